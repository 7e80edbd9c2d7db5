"""Time encrypt calls of the official Qpher Python SDK, for `cargo xtask bench`.

Reads QPHER_API_KEY and QPHER_BASE_URL, and BENCH_PLAINTEXT_LEN, BENCH_SECONDS and
BENCH_MAX_CALLS for the load. After a warm-up of BENCH_WARM_UP_CALLS calls it sends
encrypt calls one after another until BENCH_SECONDS have passed or BENCH_MAX_CALLS calls
have completed, then prints "RATE <calls per second>" on one line.
"""

import os
import time

from qpher import Qpher


def main():
    client = Qpher(
        api_key=os.environ["QPHER_API_KEY"],
        base_url=os.environ["QPHER_BASE_URL"],
    )
    plaintext = bytes(index % 251 for index in range(int(os.environ["BENCH_PLAINTEXT_LEN"])))
    seconds = float(os.environ["BENCH_SECONDS"])
    max_calls = int(os.environ["BENCH_MAX_CALLS"])
    warm_up_calls = int(os.environ["BENCH_WARM_UP_CALLS"])

    for _ in range(warm_up_calls):
        client.kem.encrypt(plaintext=plaintext, key_version=1)

    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while calls < max_calls and time.perf_counter() < deadline:
        client.kem.encrypt(plaintext=plaintext, key_version=1)
        calls += 1
    elapsed = time.perf_counter() - start

    print(f"RATE {calls / elapsed}")


if __name__ == "__main__":
    main()
