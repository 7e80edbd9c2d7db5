//! In-memory caches in front of the reads every request makes: API-key hashes to
//! tenants, and key versions with their opened private keys.
//!
//! Entries are filled and cleared only while the caller holds the connection lock, so a
//! fill can never put back a row that a concurrent write has just replaced. Writes through
//! the owning [`super::Store`] clear the cache they affect before they release the lock.
//! Writes by other connections, such as the admin commands in another process, change
//! `PRAGMA data_version`, and [`Caches::check_data_version`] then clears every cache, so a
//! revoked API key or an archived key is seen on the next request. Only positive results
//! are cached: an unknown API key or key version is looked up again every time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

use super::{KeyRecord, PrivateKeyRecord, StoreError};
use crate::crypto::KeyAlgorithm;

/// Cached values of one tenant, keyed by algorithm and version.
type PerTenant<T> = HashMap<String, HashMap<(KeyAlgorithm, u32), Arc<T>>>;

/// The caches of one store.
#[derive(Default)]
pub(super) struct Caches {
    /// HMAC of an unrevoked API key to its tenant id.
    tenants: Mutex<HashMap<[u8; 32], String>>,
    /// Key versions with status and public key, for operations that need no private key.
    public_keys: Mutex<PerTenant<KeyRecord>>,
    /// Key versions with the private key opened; it is zeroized when the last reference
    /// to an evicted entry is dropped.
    private_keys: Mutex<PerTenant<PrivateKeyRecord>>,
    /// The `PRAGMA data_version` seen at the last check, `None` before the first one.
    data_version: Mutex<Option<i64>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update is a single map operation, so a panic cannot leave a map half-changed.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn get<T>(
    map: &PerTenant<T>,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    version: u32,
) -> Option<Arc<T>> {
    map.get(tenant_id)?.get(&(algorithm, version)).cloned()
}

fn insert<T>(
    map: &mut PerTenant<T>,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    version: u32,
    value: Arc<T>,
) {
    map.entry(tenant_id.to_owned())
        .or_default()
        .insert((algorithm, version), value);
}

impl Caches {
    /// Clears every cache when another connection committed a write since the last
    /// check. `connection` must be the store's connection, locked by the caller.
    pub(super) fn check_data_version(&self, connection: &Connection) -> Result<(), StoreError> {
        let current: i64 = connection
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |row| row.get(0))?;
        let mut seen = lock(&self.data_version);
        if *seen != Some(current) {
            if seen.is_some() {
                tracing::debug!(
                    target: "qpher_server",
                    "another connection wrote to the database; clearing the caches"
                );
            }
            self.clear_tenants();
            self.clear_keys();
            *seen = Some(current);
        }
        Ok(())
    }

    pub(super) fn tenant(&self, api_key_hash: &[u8; 32]) -> Option<String> {
        lock(&self.tenants).get(api_key_hash).cloned()
    }

    pub(super) fn insert_tenant(&self, api_key_hash: [u8; 32], tenant_id: &str) {
        lock(&self.tenants).insert(api_key_hash, tenant_id.to_owned());
    }

    pub(super) fn clear_tenants(&self) {
        lock(&self.tenants).clear();
    }

    pub(super) fn public_key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
        version: u32,
    ) -> Option<Arc<KeyRecord>> {
        get(&lock(&self.public_keys), tenant_id, algorithm, version)
    }

    pub(super) fn insert_public_key(&self, tenant_id: &str, record: Arc<KeyRecord>) {
        let (algorithm, version) = (record.algorithm, record.version);
        insert(
            &mut lock(&self.public_keys),
            tenant_id,
            algorithm,
            version,
            record,
        );
    }

    pub(super) fn private_key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
        version: u32,
    ) -> Option<Arc<PrivateKeyRecord>> {
        get(&lock(&self.private_keys), tenant_id, algorithm, version)
    }

    pub(super) fn insert_private_key(&self, tenant_id: &str, key: Arc<PrivateKeyRecord>) {
        let (algorithm, version) = (key.record.algorithm, key.record.version);
        insert(
            &mut lock(&self.private_keys),
            tenant_id,
            algorithm,
            version,
            key,
        );
    }

    /// Drops every cached key version of every tenant. Clearing all of them keeps the
    /// rule simple, and a lifecycle write is rare next to the reads it invalidates.
    pub(super) fn clear_keys(&self) {
        lock(&self.public_keys).clear();
        lock(&self.private_keys).clear();
    }
}
