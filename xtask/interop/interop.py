"""Run the official Qpher Python SDK against a local qpher-server.

`cargo xtask interop` starts the server and sets QPHER_API_KEY and QPHER_BASE_URL. The
product brief's examples run first exactly as documented, then the rest of the API. Each
check prints one line, and the script ends with "N passed, N failed" and a non-zero exit
status on any failure.
"""

import hashlib
import os
import sys
import traceback

from qpher import NotFoundError, Qpher, QpherError

PASSED = []
FAILED = []


def check(name, condition, detail=""):
    """Record one named check."""
    if condition:
        PASSED.append(name)
        print(f"ok      {name}")
    else:
        FAILED.append(name)
        print(f"FAILED  {name} {detail}")


def main():
    client = Qpher(
        api_key=os.environ["QPHER_API_KEY"],
        base_url=os.environ["QPHER_BASE_URL"],
    )

    kem_key = client.keys.generate(algorithm="Kyber768")
    sig_key = client.keys.generate(algorithm="Dilithium3")
    check("generate Kyber768", kem_key.status == "active" and kem_key.key_version >= 1)
    check("generate Dilithium3", sig_key.status == "active" and len(sig_key.public_key) == 1952)

    # The product brief's round trip.
    active = client.keys.get_active(algorithm="Kyber768")
    result = client.kem.encrypt(plaintext=b"Hello, Quantum World!", key_version=active.key_version)
    decrypted = client.kem.decrypt(ciphertext=result.ciphertext, key_version=result.key_version)
    check("encrypt/decrypt round trip", decrypted.plaintext == b"Hello, Quantum World!")
    check("request ids returned", bool(result.request_id) and bool(decrypted.request_id))

    # The product brief's sign and verify, with a tampered message.
    message = b"Invoice #12345: $1,000.00"
    signed = client.signatures.sign(message=message, key_version=sig_key.key_version)
    verified = client.signatures.verify(
        message=message, signature=signed.signature, key_version=sig_key.key_version
    )
    check("sign/verify valid", verified.valid is True)
    tampered = client.signatures.verify(
        message=b"Invoice #12345: $9,000.00",
        signature=signed.signature,
        key_version=sig_key.key_version,
    )
    check("tampered message invalid", tampered.valid is False)

    salt = b"s" * 32
    first = client.kem.encrypt(b"same", key_version=active.key_version, mode="deterministic", salt=salt)
    second = client.kem.encrypt(b"same", key_version=active.key_version, mode="deterministic", salt=salt)
    check("deterministic encrypt repeats", first.ciphertext == second.ciphertext)

    wrapped = client.kem.wrap(symmetric_key=b"k" * 32, key_version=active.key_version)
    unwrapped = client.kem.unwrap(wrapped_key=wrapped.wrapped_key, key_version=active.key_version)
    check("wrap/unwrap", unwrapped.symmetric_key == b"k" * 32)

    encapsulated = client.kem.encapsulate(key_version=active.key_version)
    decapsulated = client.kem.decapsulate(
        kem_ciphertext=encapsulated.kem_ciphertext, key_version=active.key_version
    )
    check("encapsulate/decapsulate", decapsulated.shared_secret == encapsulated.shared_secret)

    envelope = client.kem.encrypt_local(plaintext=b"local data" * 1000, key_version=active.key_version)
    check("encrypt_local/decrypt_local", client.kem.decrypt_local(envelope) == b"local data" * 1000)
    print(f"ENVELOPE {envelope.to_bytes().hex()}")

    digest = hashlib.sha256(message).digest()
    hash_signed = client.signatures.sign_hash(
        hash_value=digest, hash_algorithm="SHA-256", key_version=sig_key.key_version
    )
    hash_verified = client.signatures.verify_hash(
        hash_value=digest,
        hash_algorithm="SHA-256",
        signature=hash_signed.signature,
        key_version=sig_key.key_version,
    )
    check("sign_hash/verify_hash", hash_verified.valid is True)

    # Key lifecycle: list, rotate, retire.
    listed = client.keys.list(algorithm="Kyber768")
    check("list by algorithm", listed.total == 1 and listed.keys[0].key_version == active.key_version)

    rotated = client.keys.rotate(algorithm="Kyber768")
    check("rotate", rotated.old_key_version == active.key_version and rotated.key_version > active.key_version)
    old = client.keys.get(algorithm="Kyber768", key_version=active.key_version)
    check("old version retired", old.status == "retired")
    still = client.kem.decrypt(ciphertext=result.ciphertext, key_version=active.key_version)
    check("retired key still decrypts", still.plaintext == b"Hello, Quantum World!")

    retired = client.keys.retire(algorithm="Kyber768", key_version=rotated.key_version)
    check("retire", retired.status == "retired")
    statuses = sorted(key.status for key in client.keys.list(algorithm="Kyber768", status="retired").keys)
    check("list by status", statuses == ["retired", "retired"])

    # One error case: an unknown key version.
    try:
        client.kem.decrypt(ciphertext=result.ciphertext, key_version=999)
        check("unknown version raises NotFoundError", False, "no error raised")
    except NotFoundError as error:
        check("unknown version raises NotFoundError", error.status_code == 404 and error.error_code.startswith("ERR_"))
        check("error carries request id", bool(error.request_id))
    except QpherError as error:
        check("unknown version raises NotFoundError", False, repr(error))


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - any failure must end the run with a report
        traceback.print_exc()
        FAILED.append("unexpected exception")
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    sys.exit(1 if FAILED else 0)
