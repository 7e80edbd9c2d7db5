//! The SQLite store: tenants, API keys, key versions and idempotency records.
//!
//! One connection behind a mutex serves the whole server. Callers on the async runtime
//! reach it through `spawn_blocking`, except for the `cached_*` reads, which never wait
//! for the lock. The database runs in WAL mode with `synchronous=FULL`, so every
//! committed key write is on disk before its response is sent. Private keys are stored sealed by [`DerivedKeys`], API keys only as HMAC hashes.
//! The rule "one active key per tenant and algorithm" is a unique partial index, so the
//! database rejects a second active row whatever the code does.
//!
//! API-key lookups and key versions are cached in memory (see [`cache`]), so a request
//! with a known key and key version runs no SQL in memory mode, and only
//! `PRAGMA data_version` with a database file.

mod cache;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use qpher_types::KeyStatus;
use rusqlite::{Connection, OptionalExtension as _, Transaction, TransactionBehavior, params};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use self::cache::Caches;
use crate::clock::{timestamp_now, unix_now};
use crate::config::MasterKey;
use crate::crypto::{CryptoError, DerivedKeys, KeyAlgorithm, KeyPair, generate_api_key};

/// How long a stored idempotent response is replayed, in seconds.
pub(crate) const IDEMPOTENCY_TTL_SECS: i64 = 24 * 60 * 60;

/// How long a write waits for another process (such as an admin command) holding the
/// database lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Schema migrations, applied in order; `PRAGMA user_version` counts the applied ones.
const MIGRATIONS: &[&str] = &[
    // Version 1: the initial schema.
    "
    CREATE TABLE meta (
        name  TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT;

    CREATE TABLE tenants (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        created_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE api_keys (
        id         INTEGER PRIMARY KEY,
        tenant_id  TEXT NOT NULL REFERENCES tenants (id),
        key_hash   BLOB NOT NULL UNIQUE,
        key_prefix TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    ) STRICT;

    CREATE TABLE keys (
        tenant_id          TEXT NOT NULL REFERENCES tenants (id),
        algorithm          TEXT NOT NULL,
        version            INTEGER NOT NULL CHECK (version >= 1),
        status             TEXT NOT NULL CHECK (status IN ('active', 'retired', 'archived')),
        public_key         BLOB NOT NULL,
        sealed_private_key BLOB NOT NULL,
        created_at         TEXT NOT NULL,
        PRIMARY KEY (tenant_id, algorithm, version)
    ) STRICT;

    CREATE UNIQUE INDEX keys_one_active ON keys (tenant_id, algorithm) WHERE status = 'active';

    CREATE TABLE idempotency (
        tenant_id       TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        request_hash    BLOB NOT NULL,
        status          INTEGER NOT NULL,
        body            BLOB NOT NULL,
        created_at      INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, idempotency_key)
    ) STRICT;
    ",
];

/// A failed store operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Sealing, opening or hashing failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The tenant, API key or key version does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The operation conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// An idempotency key was reused with a different request.
    #[error("the Idempotency-Key was already used with a different request")]
    IdempotencyConflict,
    /// The master key differs from the one the database was created with.
    #[error(
        "the master key does not match the one this database was created with; \
         set the original key or use a new data directory"
    )]
    MasterKeyMismatch,
    /// The database was written by a newer version of the server.
    #[error("the database schema version {found} is newer than this server supports ({supported})")]
    NewerSchema {
        /// The schema version in the file.
        found: u32,
        /// The newest schema version this build supports.
        supported: u32,
    },
    /// A row contains a value this build cannot read.
    #[error("the database holds an unreadable value: {0}")]
    Corrupt(String),
}

/// One key version as the API shows it: public data only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyRecord {
    pub algorithm: KeyAlgorithm,
    pub version: u32,
    pub status: KeyStatus,
    pub public_key: Vec<u8>,
    pub created_at: String,
}

/// A key version with its opened private key, which is zeroized on drop.
pub(crate) struct PrivateKeyRecord {
    pub record: KeyRecord,
    pub private_key: Zeroizing<Vec<u8>>,
}

/// One API key as the admin commands list it; the key itself is never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyInfo {
    /// The row id, used to revoke the key.
    pub id: i64,
    /// The tenant the key belongs to.
    pub tenant_id: String,
    /// The first eight characters of the key, such as `qph_AbCd`.
    pub prefix: String,
    /// When the key was created, as ISO-8601 UTC text.
    pub created_at: String,
    /// When the key was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// A key-lifecycle mutation.
pub(crate) enum Lifecycle {
    Generate(KeyAlgorithm, KeyPair),
    Rotate(KeyAlgorithm, KeyPair),
    Retire(KeyAlgorithm, u32),
}

/// The result of a key-lifecycle mutation.
pub(crate) enum LifecycleResult {
    Generated(KeyRecord),
    Rotated { new: KeyRecord, old_version: u32 },
    Retired(KeyRecord),
}

/// An HTTP response kept for idempotent replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// The `Idempotency-Key` of a request and a hash identifying the request.
pub(crate) struct IdempotencyRequest {
    pub key: String,
    pub fingerprint: [u8; 32],
}

/// Whether a lifecycle response was produced now or replayed from an earlier request.
pub(crate) enum Outcome {
    Executed(StoredResponse),
    Replayed(StoredResponse),
}

/// The shared handle to the database.
#[derive(Clone)]
pub(crate) struct Store {
    connection: Arc<Mutex<Connection>>,
    keys: Arc<DerivedKeys>,
    caches: Arc<Caches>,
    /// Whether other connections can write to the database, as the admin commands do to a
    /// file; the caches then check `PRAGMA data_version` before they are used.
    external_writes: bool,
}

impl Store {
    /// Opens a database that lives in memory.
    pub(crate) fn open_in_memory(master_key: &MasterKey) -> Result<Self, StoreError> {
        let connection = Connection::open_in_memory()?;
        Self::init(connection, master_key, true)
    }

    /// Opens or creates the database file at `path`.
    pub(crate) fn open_file(path: &Path, master_key: &MasterKey) -> Result<Self, StoreError> {
        let connection = Connection::open(path)?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
        Self::init(connection, master_key, true)
    }

    fn init(
        mut connection: Connection,
        master_key: &MasterKey,
        external_writes: bool,
    ) -> Result<Self, StoreError> {
        // FULL syncs the WAL on every commit, so a key whose response was sent survives
        // a power loss, not only a process crash.
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut connection)?;

        let keys = DerivedKeys::derive(master_key.bytes())?;
        check_master_key(&mut connection, &keys)?;

        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            keys: Arc::new(keys),
            caches: Arc::new(Caches::default()),
            external_writes,
        })
    }

    /// Locks the connection and clears the caches when another connection has written
    /// since the last check.
    fn lock_checked(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let connection = self.lock();
        if self.external_writes {
            self.caches.check_data_version(&connection)?;
        }
        Ok(connection)
    }

    /// Runs `read` on the caches if that needs no wait for the connection lock: always in
    /// memory mode, and with a file when the lock is free for the data version check.
    /// `Ok(None)` means the caller should take the path that may block.
    fn read_cache<T>(
        &self,
        read: impl FnOnce(&Caches) -> Option<T>,
    ) -> Result<Option<T>, StoreError> {
        if !self.external_writes {
            return Ok(read(&self.caches));
        }
        let connection = match self.connection.try_lock() {
            Ok(connection) => connection,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(None),
        };
        self.caches.check_data_version(&connection)?;
        Ok(read(&self.caches))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held rolled back its open transaction on drop, so
        // the connection is still consistent.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates a tenant and returns its id.
    pub(crate) fn create_tenant(&self, name: &str) -> Result<String, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        self.lock().execute(
            "INSERT INTO tenants (id, name, created_at) VALUES (?1, ?2, ?3)",
            params![id, name, timestamp_now()],
        )?;
        Ok(id)
    }

    /// Returns the id of the first tenant created, if any.
    pub(crate) fn first_tenant(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT id FROM tenants ORDER BY rowid LIMIT 1", [], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// Returns every tenant as `(id, name, created_at)`, oldest first.
    pub(crate) fn tenants(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let connection = self.lock();
        let mut statement =
            connection.prepare("SELECT id, name, created_at FROM tenants ORDER BY rowid")?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Creates an API key for `tenant_id` and returns its row id and the key itself,
    /// which is not stored and cannot be shown again.
    pub(crate) fn create_api_key(
        &self,
        tenant_id: &str,
    ) -> Result<(i64, Zeroizing<String>), StoreError> {
        let api_key = Zeroizing::new(generate_api_key()?);
        let hash = self.keys.hash_api_key(&api_key)?;
        let prefix: String = api_key.chars().take(8).collect();

        let connection = self.lock();
        let exists: bool = connection.query_row(
            "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ?1)",
            [tenant_id],
            |row| row.get(0),
        )?;
        if !exists {
            return Err(StoreError::NotFound(format!(
                "tenant {tenant_id} not found"
            )));
        }
        connection.execute(
            "INSERT INTO api_keys (tenant_id, key_hash, key_prefix, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![tenant_id, hash.as_slice(), prefix, timestamp_now()],
        )?;
        Ok((connection.last_insert_rowid(), api_key))
    }

    /// Returns the tenant of a valid, unrevoked API key.
    pub(crate) fn authenticate(&self, api_key: &str) -> Result<Option<String>, StoreError> {
        let hash = self.keys.hash_api_key(api_key)?;
        let connection = self.lock_checked()?;
        if let Some(tenant_id) = self.caches.tenant(&hash) {
            return Ok(Some(tenant_id));
        }

        let row: Option<(String, Vec<u8>)> = connection
            .prepare_cached(
                "SELECT tenant_id, key_hash FROM api_keys
                 WHERE key_hash = ?1 AND revoked_at IS NULL",
            )?
            .query_row([hash.as_slice()], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;

        // The index lookup already matched the hash; comparing again in constant time
        // keeps the final decision free of data-dependent timing.
        let tenant_id = row.and_then(|(tenant_id, stored)| {
            bool::from(stored.as_slice().ct_eq(hash.as_slice())).then_some(tenant_id)
        });
        if let Some(tenant_id) = &tenant_id {
            self.caches.insert_tenant(hash, tenant_id);
        }
        Ok(tenant_id)
    }

    /// Returns the tenant of an API key from the cache without waiting for the database;
    /// `Ok(None)` means the key is not cached, so call [`Store::authenticate`].
    pub(crate) fn cached_tenant(&self, api_key: &str) -> Result<Option<String>, StoreError> {
        let hash = self.keys.hash_api_key(api_key)?;
        self.read_cache(|caches| caches.tenant(&hash))
    }

    /// Lists every API key, revoked ones included.
    pub(crate) fn api_keys(&self) -> Result<Vec<ApiKeyInfo>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT id, tenant_id, key_prefix, created_at, revoked_at FROM api_keys ORDER BY id",
        )?;
        let keys = statement
            .query_map([], |row| {
                Ok(ApiKeyInfo {
                    id: row.get(0)?,
                    tenant_id: row.get(1)?,
                    prefix: row.get(2)?,
                    created_at: row.get(3)?,
                    revoked_at: row.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(keys)
    }

    /// Revokes the API key with row id `id`; revoking twice is not an error.
    pub(crate) fn revoke_api_key(&self, id: i64) -> Result<(), StoreError> {
        let connection = self.lock();
        let changed = connection.execute(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
            params![id, timestamp_now()],
        )?;
        // The cache is keyed by hash, not row id, so every entry goes.
        self.caches.clear_tenants();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("API key {id} not found")));
        }
        Ok(())
    }

    /// Runs a key-lifecycle mutation and stores its rendered response for replay, in one
    /// transaction.
    ///
    /// With an idempotency key that was seen within 24 hours, the stored response is
    /// returned without running `operation`. A different fingerprint under the same key
    /// is [`StoreError::IdempotencyConflict`]. Failed operations are not stored, so a
    /// retry runs them again.
    pub(crate) fn run_lifecycle(
        &self,
        tenant_id: &str,
        operation: Lifecycle,
        idempotency: Option<&IdempotencyRequest>,
        render: impl FnOnce(&LifecycleResult) -> StoredResponse,
    ) -> Result<Outcome, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = unix_now();

        if let Some(request) = idempotency {
            transaction.execute(
                "DELETE FROM idempotency WHERE created_at <= ?1",
                [now - IDEMPOTENCY_TTL_SECS],
            )?;
            let stored: Option<(Vec<u8>, u16, Vec<u8>)> = transaction
                .query_row(
                    "SELECT request_hash, status, body FROM idempotency
                     WHERE tenant_id = ?1 AND idempotency_key = ?2",
                    params![tenant_id, request.key],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            if let Some((fingerprint, status, body)) = stored {
                if !bool::from(fingerprint.as_slice().ct_eq(&request.fingerprint)) {
                    return Err(StoreError::IdempotencyConflict);
                }
                return Ok(Outcome::Replayed(StoredResponse { status, body }));
            }
        }

        let result = match operation {
            Lifecycle::Generate(algorithm, pair) => {
                generate_in(&transaction, &self.keys, tenant_id, algorithm, &pair)?
            }
            Lifecycle::Rotate(algorithm, pair) => {
                rotate_in(&transaction, &self.keys, tenant_id, algorithm, &pair)?
            }
            Lifecycle::Retire(algorithm, version) => {
                retire_in(&transaction, tenant_id, algorithm, version)?
            }
        };
        let response = render(&result);

        if let Some(request) = idempotency {
            transaction.execute(
                "INSERT INTO idempotency
                 (tenant_id, idempotency_key, request_hash, status, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    tenant_id,
                    request.key,
                    request.fingerprint.as_slice(),
                    response.status,
                    response.body,
                    now
                ],
            )?;
        }
        transaction.commit()?;
        self.caches.clear_keys();
        Ok(Outcome::Executed(response))
    }

    /// Archives a key version: it then allows no operation at all.
    pub(crate) fn archive_key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
        version: u32,
    ) -> Result<KeyRecord, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = transaction.execute(
            "UPDATE keys SET status = 'archived'
             WHERE tenant_id = ?1 AND algorithm = ?2 AND version = ?3",
            params![tenant_id, algorithm.wire_name(), version],
        )?;
        if changed == 0 {
            return Err(key_not_found(algorithm, version));
        }
        let record = key_in(&transaction, tenant_id, algorithm, version)?
            .ok_or_else(|| key_not_found(algorithm, version))?;
        transaction.commit()?;
        self.caches.clear_keys();
        Ok(record)
    }

    /// Lists a tenant's key versions, optionally filtered, by algorithm then newest first.
    pub(crate) fn list_keys(
        &self,
        tenant_id: &str,
        algorithm: Option<KeyAlgorithm>,
        status: Option<&str>,
    ) -> Result<Vec<KeyRecord>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT algorithm, version, status, public_key, created_at FROM keys
             WHERE tenant_id = ?1
               AND (?2 IS NULL OR algorithm = ?2)
               AND (?3 IS NULL OR status = ?3)
             ORDER BY algorithm, version DESC",
        )?;
        let rows = statement
            .query_map(
                params![tenant_id, algorithm.map(KeyAlgorithm::wire_name), status],
                read_key_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// Returns one key version of a tenant.
    pub(crate) fn key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
        version: u32,
    ) -> Result<Option<KeyRecord>, StoreError> {
        key_in(&self.lock(), tenant_id, algorithm, version)
    }

    /// Returns the active key version of a tenant and algorithm.
    pub(crate) fn active_key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
    ) -> Result<Option<KeyRecord>, StoreError> {
        self.lock()
            .query_row(
                "SELECT algorithm, version, status, public_key, created_at FROM keys
                 WHERE tenant_id = ?1 AND algorithm = ?2 AND status = 'active'",
                params![tenant_id, algorithm.wire_name()],
                read_key_row,
            )
            .optional()?
            .transpose()
    }

    /// Returns one key version of a tenant, through the cache.
    pub(crate) fn public_key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
        version: u32,
    ) -> Result<Option<Arc<KeyRecord>>, StoreError> {
        let connection = self.lock_checked()?;
        if let Some(record) = self.caches.public_key(tenant_id, algorithm, version) {
            return Ok(Some(record));
        }

        let Some(record) = key_in(&connection, tenant_id, algorithm, version)? else {
            return Ok(None);
        };
        let record = Arc::new(record);
        self.caches
            .insert_public_key(tenant_id, Arc::clone(&record));
        Ok(Some(record))
    }

    /// Returns a cached key version without waiting for the database; `Ok(None)` means
    /// it is not cached, so call [`Store::public_key`].
    pub(crate) fn cached_public_key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
        version: u32,
    ) -> Result<Option<Arc<KeyRecord>>, StoreError> {
        self.read_cache(|caches| caches.public_key(tenant_id, algorithm, version))
    }

    /// Returns a key version with its private key opened, through the cache.
    pub(crate) fn private_key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
        version: u32,
    ) -> Result<Option<Arc<PrivateKeyRecord>>, StoreError> {
        let connection = self.lock_checked()?;
        if let Some(key) = self.caches.private_key(tenant_id, algorithm, version) {
            return Ok(Some(key));
        }

        let row: Option<(Result<KeyRecord, StoreError>, Vec<u8>)> = connection
            .prepare_cached(
                "SELECT algorithm, version, status, public_key, created_at, sealed_private_key
                 FROM keys WHERE tenant_id = ?1 AND algorithm = ?2 AND version = ?3",
            )?
            .query_row(params![tenant_id, algorithm.wire_name(), version], |row| {
                Ok((read_key_row(row)?, row.get(5)?))
            })
            .optional()?;
        let Some((record, sealed)) = row else {
            return Ok(None);
        };

        let record = record?;
        let private_key = self
            .keys
            .open_private_key(tenant_id, algorithm, version, &sealed)?;
        let key = Arc::new(PrivateKeyRecord {
            record,
            private_key,
        });
        self.caches.insert_private_key(tenant_id, Arc::clone(&key));
        Ok(Some(key))
    }

    /// Returns a cached key version with its private key without waiting for the
    /// database; `Ok(None)` means it is not cached, so call [`Store::private_key`].
    pub(crate) fn cached_private_key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
        version: u32,
    ) -> Result<Option<Arc<PrivateKeyRecord>>, StoreError> {
        self.read_cache(|caches| caches.private_key(tenant_id, algorithm, version))
    }

    /// Runs `PRAGMA integrity_check` and returns its first line (`ok` when healthy).
    pub(crate) fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .lock()
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }
}

fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let supported = u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX);
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > supported {
        return Err(StoreError::NewerSchema { found, supported });
    }

    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        transaction.execute_batch(migration)?;
        transaction.pragma_update(None, "user_version", index + 1)?;
    }
    transaction.commit()?;
    Ok(())
}

fn check_master_key(connection: &mut Connection, keys: &DerivedKeys) -> Result<(), StoreError> {
    let check = keys.check_value()?;
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stored: Option<Vec<u8>> = transaction
        .query_row(
            "SELECT value FROM meta WHERE name = 'master_key_check'",
            [],
            |row| row.get(0),
        )
        .optional()?;

    match stored {
        Some(stored) if bool::from(stored.as_slice().ct_eq(check.as_slice())) => {}
        Some(_) => return Err(StoreError::MasterKeyMismatch),
        None => {
            transaction.execute(
                "INSERT INTO meta (name, value) VALUES ('master_key_check', ?1)",
                [check.as_slice()],
            )?;
        }
    }
    transaction.commit()?;
    Ok(())
}

fn read_key_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<KeyRecord, StoreError>> {
    let algorithm: String = row.get(0)?;
    let version: u32 = row.get(1)?;
    let status: String = row.get(2)?;
    let public_key: Vec<u8> = row.get(3)?;
    let created_at: String = row.get(4)?;

    let Some(algorithm) = KeyAlgorithm::from_wire_name(&algorithm) else {
        return Ok(Err(StoreError::Corrupt(format!(
            "unknown algorithm {algorithm:?} in table keys"
        ))));
    };
    Ok(Ok(KeyRecord {
        algorithm,
        version,
        status: KeyStatus::from_wire(&status),
        public_key,
        created_at,
    }))
}

fn key_in(
    connection: &Connection,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    version: u32,
) -> Result<Option<KeyRecord>, StoreError> {
    connection
        .prepare_cached(
            "SELECT algorithm, version, status, public_key, created_at FROM keys
             WHERE tenant_id = ?1 AND algorithm = ?2 AND version = ?3",
        )?
        .query_row(
            params![tenant_id, algorithm.wire_name(), version],
            read_key_row,
        )
        .optional()?
        .transpose()
}

fn key_not_found(algorithm: KeyAlgorithm, version: u32) -> StoreError {
    StoreError::NotFound(format!(
        "key version {version} of {} not found",
        algorithm.wire_name()
    ))
}

fn active_version(
    transaction: &Transaction<'_>,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
) -> Result<Option<u32>, StoreError> {
    Ok(transaction
        .query_row(
            "SELECT version FROM keys WHERE tenant_id = ?1 AND algorithm = ?2 AND status = 'active'",
            params![tenant_id, algorithm.wire_name()],
            |row| row.get(0),
        )
        .optional()?)
}

fn insert_next_version(
    transaction: &Transaction<'_>,
    keys: &DerivedKeys,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    pair: &KeyPair,
) -> Result<KeyRecord, StoreError> {
    let highest: u32 = transaction.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM keys WHERE tenant_id = ?1 AND algorithm = ?2",
        params![tenant_id, algorithm.wire_name()],
        |row| row.get(0),
    )?;
    let version = highest
        .checked_add(1)
        .ok_or_else(|| StoreError::Conflict("no key version numbers are left".to_owned()))?;

    let sealed = keys.seal_private_key(tenant_id, algorithm, version, &pair.private_key)?;
    let created_at = timestamp_now();
    transaction.execute(
        "INSERT INTO keys
         (tenant_id, algorithm, version, status, public_key, sealed_private_key, created_at)
         VALUES (?1, ?2, ?3, 'active', ?4, ?5, ?6)",
        params![
            tenant_id,
            algorithm.wire_name(),
            version,
            pair.public_key,
            sealed,
            created_at
        ],
    )?;

    Ok(KeyRecord {
        algorithm,
        version,
        status: KeyStatus::Active,
        public_key: pair.public_key.clone(),
        created_at,
    })
}

fn generate_in(
    transaction: &Transaction<'_>,
    keys: &DerivedKeys,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    pair: &KeyPair,
) -> Result<LifecycleResult, StoreError> {
    if let Some(version) = active_version(transaction, tenant_id, algorithm)? {
        return Err(StoreError::Conflict(format!(
            "{} already has an active key (version {version}); rotate it instead",
            algorithm.wire_name()
        )));
    }
    let record = insert_next_version(transaction, keys, tenant_id, algorithm, pair)?;
    Ok(LifecycleResult::Generated(record))
}

fn rotate_in(
    transaction: &Transaction<'_>,
    keys: &DerivedKeys,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    pair: &KeyPair,
) -> Result<LifecycleResult, StoreError> {
    let Some(old_version) = active_version(transaction, tenant_id, algorithm)? else {
        return Err(StoreError::NotFound(format!(
            "{} has no active key to rotate; generate one first",
            algorithm.wire_name()
        )));
    };

    transaction.execute(
        "UPDATE keys SET status = 'retired'
         WHERE tenant_id = ?1 AND algorithm = ?2 AND version = ?3",
        params![tenant_id, algorithm.wire_name(), old_version],
    )?;
    let new = insert_next_version(transaction, keys, tenant_id, algorithm, pair)?;
    Ok(LifecycleResult::Rotated { new, old_version })
}

fn retire_in(
    transaction: &Transaction<'_>,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    version: u32,
) -> Result<LifecycleResult, StoreError> {
    let record = key_in(transaction, tenant_id, algorithm, version)?
        .ok_or_else(|| key_not_found(algorithm, version))?;

    match record.status {
        KeyStatus::Active => {
            transaction.execute(
                "UPDATE keys SET status = 'retired'
                 WHERE tenant_id = ?1 AND algorithm = ?2 AND version = ?3",
                params![tenant_id, algorithm.wire_name(), version],
            )?;
            Ok(LifecycleResult::Retired(KeyRecord {
                status: KeyStatus::Retired,
                ..record
            }))
        }
        KeyStatus::Retired => Ok(LifecycleResult::Retired(record)),
        _ => Err(StoreError::Conflict(format!(
            "key version {version} of {} is {} and cannot be retired",
            algorithm.wire_name(),
            record.status
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(result: &LifecycleResult) -> StoredResponse {
        let version = match result {
            LifecycleResult::Generated(record) | LifecycleResult::Retired(record) => record.version,
            LifecycleResult::Rotated { new, .. } => new.version,
        };
        StoredResponse {
            status: 200,
            body: version.to_string().into_bytes(),
        }
    }

    fn store_with_tenant() -> (Store, String) {
        let store = Store::open_in_memory(&MasterKey::generate().unwrap()).unwrap();
        let tenant = store.create_tenant("t").unwrap();
        (store, tenant)
    }

    fn generate(
        store: &Store,
        tenant: &str,
        algorithm: KeyAlgorithm,
    ) -> Result<Outcome, StoreError> {
        store.run_lifecycle(
            tenant,
            Lifecycle::Generate(algorithm, algorithm.generate().unwrap()),
            None,
            render,
        )
    }

    #[test]
    fn unique_index_rejects_second_active_key() {
        let (store, tenant) = store_with_tenant();
        generate(&store, &tenant, KeyAlgorithm::MlKem768).unwrap();

        let connection = store.lock();
        let result = connection.execute(
            "INSERT INTO keys VALUES (?1, 'Kyber768', 2, 'active', x'00', x'00', 't')",
            [&tenant],
        );
        assert!(result.is_err(), "a second active key was accepted");
    }

    #[test]
    fn generate_twice_conflicts() {
        let (store, tenant) = store_with_tenant();
        generate(&store, &tenant, KeyAlgorithm::MlDsa65).unwrap();
        let error = generate(&store, &tenant, KeyAlgorithm::MlDsa65)
            .err()
            .unwrap();
        assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    }

    #[test]
    fn master_key_mismatch_detected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        Store::open_file(&path, &MasterKey::from_bytes([1; 32])).unwrap();

        let error = Store::open_file(&path, &MasterKey::from_bytes([2; 32]))
            .err()
            .unwrap();
        assert!(matches!(error, StoreError::MasterKeyMismatch), "{error:?}");
        assert!(Store::open_file(&path, &MasterKey::from_bytes([1; 32])).is_ok());
    }

    #[test]
    fn database_file_has_no_secrets_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let store = Store::open_file(&path, &MasterKey::generate().unwrap()).unwrap();
        let tenant = store.create_tenant("t").unwrap();
        let (_, api_key) = store.create_api_key(&tenant).unwrap();

        // The secret parts of each private key: an ML-KEM-768 key also embeds the public
        // key, and an ML-DSA-65 key starts with the public seed rho.
        let mut secrets = Vec::new();
        for algorithm in [KeyAlgorithm::MlKem768, KeyAlgorithm::MlDsa65] {
            let pair = algorithm.generate().unwrap();
            match algorithm {
                KeyAlgorithm::MlKem768 => {
                    secrets.push(pair.private_key[..1152].to_vec());
                    secrets.push(pair.private_key[2368..].to_vec());
                }
                KeyAlgorithm::MlDsa65 => secrets.push(pair.private_key[32..].to_vec()),
            }
            store
                .run_lifecycle(&tenant, Lifecycle::Generate(algorithm, pair), None, render)
                .unwrap();
        }
        drop(store);

        // Read the database and its WAL, where recent commits may still sit.
        let mut bytes = std::fs::read(&path).unwrap();
        if let Ok(wal) = std::fs::read(dir.path().join("db-wal")) {
            bytes.extend_from_slice(&wal);
        }
        assert!(
            !bytes
                .windows(api_key.len())
                .any(|w| w == api_key.as_bytes()),
            "the API key is stored in clear"
        );
        for secret in &secrets {
            for chunk in secret.chunks(32) {
                assert!(
                    !bytes.windows(chunk.len()).any(|w| w == chunk),
                    "private key bytes are stored in clear"
                );
            }
        }
    }

    #[test]
    fn swapped_sealed_key_does_not_open() {
        let (store, tenant) = store_with_tenant();
        let other = store.create_tenant("other").unwrap();
        generate(&store, &tenant, KeyAlgorithm::MlKem768).unwrap();
        generate(&store, &other, KeyAlgorithm::MlKem768).unwrap();

        store
            .lock()
            .execute(
                "UPDATE keys SET sealed_private_key =
                   (SELECT sealed_private_key FROM keys WHERE tenant_id = ?1)
                 WHERE tenant_id = ?2",
                [&tenant, &other],
            )
            .unwrap();
        assert!(
            store
                .private_key(&other, KeyAlgorithm::MlKem768, 1)
                .is_err()
        );
        assert!(
            store
                .private_key(&tenant, KeyAlgorithm::MlKem768, 1)
                .is_ok()
        );
    }

    #[test]
    fn revoked_api_key_fails_authentication() {
        let (store, tenant) = store_with_tenant();
        let (id, api_key) = store.create_api_key(&tenant).unwrap();
        assert_eq!(store.authenticate(&api_key).unwrap(), Some(tenant));

        store.revoke_api_key(id).unwrap();
        assert_eq!(store.authenticate(&api_key).unwrap(), None);
        assert!(matches!(
            store.revoke_api_key(999),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn caches_see_other_connection_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let master_key = MasterKey::from_bytes([5; 32]);
        let server = Store::open_file(&path, &master_key).unwrap();
        let admin = Store::open_file(&path, &master_key).unwrap();
        let tenant = server.create_tenant("t").unwrap();
        let (id, api_key) = server.create_api_key(&tenant).unwrap();
        generate(&server, &tenant, KeyAlgorithm::MlKem768).unwrap();

        assert_eq!(server.authenticate(&api_key).unwrap(), Some(tenant.clone()));
        assert_eq!(
            server.cached_tenant(&api_key).unwrap(),
            Some(tenant.clone())
        );
        let key = server
            .private_key(&tenant, KeyAlgorithm::MlKem768, 1)
            .unwrap();
        assert_eq!(key.unwrap().record.status, KeyStatus::Active);
        let cached = server
            .cached_private_key(&tenant, KeyAlgorithm::MlKem768, 1)
            .unwrap();
        assert!(cached.is_some(), "the private key was not cached");

        admin.revoke_api_key(id).unwrap();
        admin
            .archive_key(&tenant, KeyAlgorithm::MlKem768, 1)
            .unwrap();

        assert_eq!(server.cached_tenant(&api_key).unwrap(), None);
        assert_eq!(server.authenticate(&api_key).unwrap(), None);
        let cached = server
            .cached_private_key(&tenant, KeyAlgorithm::MlKem768, 1)
            .unwrap();
        assert!(cached.is_none(), "the cache kept a key archived elsewhere");
        let key = server
            .private_key(&tenant, KeyAlgorithm::MlKem768, 1)
            .unwrap();
        assert_eq!(key.unwrap().record.status, KeyStatus::Archived);
    }

    #[test]
    fn retire_clears_cached_key() {
        let (store, tenant) = store_with_tenant();
        generate(&store, &tenant, KeyAlgorithm::MlDsa65).unwrap();
        let record = store.public_key(&tenant, KeyAlgorithm::MlDsa65, 1).unwrap();
        assert_eq!(record.unwrap().status, KeyStatus::Active);

        store
            .run_lifecycle(
                &tenant,
                Lifecycle::Retire(KeyAlgorithm::MlDsa65, 1),
                None,
                render,
            )
            .unwrap();

        let record = store
            .cached_public_key(&tenant, KeyAlgorithm::MlDsa65, 1)
            .unwrap();
        assert!(record.is_none(), "the cache kept the active status");
        let record = store.public_key(&tenant, KeyAlgorithm::MlDsa65, 1).unwrap();
        assert_eq!(record.unwrap().status, KeyStatus::Retired);
    }
}
