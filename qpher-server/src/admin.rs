//! [`Admin`], offline administration of a data directory: API keys and key archival.
//!
//! It opens the same SQLite file as a running server; WAL mode lets both work at once,
//! and a running server sees a revoked key on its next request.

use std::path::Path;

use qpher_types::Algorithm;

use crate::ServerError;
use crate::config::{DATABASE_FILE, MasterKey, create_data_dir, resolve_master_key};
use crate::crypto::KeyAlgorithm;
use crate::store::{ApiKeyInfo, Store};

/// A handle on a data directory for the admin commands.
pub struct Admin {
    store: Store,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin").finish_non_exhaustive()
    }
}

/// A tenant as the admin commands list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantInfo {
    /// The tenant id, a UUID.
    pub id: String,
    /// The name given at creation.
    pub name: String,
    /// When the tenant was created, as ISO-8601 UTC text.
    pub created_at: String,
}

impl Admin {
    /// Opens (or creates) the data directory `data_dir`, with the master key resolved as
    /// [`crate::ServerConfig::persistent`] does.
    ///
    /// # Errors
    ///
    /// Returns an error when the directory, the master key or the database cannot be
    /// opened.
    pub fn open(data_dir: &Path, master_key: Option<MasterKey>) -> Result<Self, ServerError> {
        create_data_dir(data_dir)?;
        let master_key = resolve_master_key(master_key, data_dir)?;
        let store = Store::open_file(&data_dir.join(DATABASE_FILE), &master_key)?;
        Ok(Self { store })
    }

    /// Creates a tenant named `name` with an API key; returns the tenant id and the key,
    /// which cannot be shown again.
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails.
    pub fn create_api_key(&self, name: &str) -> Result<(String, String), ServerError> {
        let tenant_id = self.store.create_tenant(name)?;
        let (_, api_key) = self.store.create_api_key(&tenant_id)?;
        Ok((tenant_id, api_key.as_str().to_owned()))
    }

    /// Lists every API key, revoked ones included.
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails.
    pub fn api_keys(&self) -> Result<Vec<ApiKeyInfo>, ServerError> {
        Ok(self.store.api_keys()?)
    }

    /// Lists every tenant, oldest first.
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails.
    pub fn tenants(&self) -> Result<Vec<TenantInfo>, ServerError> {
        Ok(self
            .store
            .tenants()?
            .into_iter()
            .map(|(id, name, created_at)| TenantInfo {
                id,
                name,
                created_at,
            })
            .collect())
    }

    /// Revokes the API key with row id `id`.
    ///
    /// # Errors
    ///
    /// Returns an error when no key has that id or the store fails.
    pub fn revoke_api_key(&self, id: i64) -> Result<(), ServerError> {
        Ok(self.store.revoke_api_key(id)?)
    }

    /// Archives key version `version` of `algorithm` for `tenant_id`, or for the first
    /// tenant when `tenant_id` is `None`. An archived key allows no operation.
    ///
    /// # Errors
    ///
    /// Returns an error when the algorithm is not implemented, the tenant or key version
    /// does not exist, or the store fails.
    pub fn archive_key(
        &self,
        tenant_id: Option<&str>,
        algorithm: &Algorithm,
        version: u32,
    ) -> Result<(), ServerError> {
        let algorithm = KeyAlgorithm::from_wire_name(algorithm.as_str()).ok_or_else(|| {
            ServerError::InvalidConfig(format!(
                "algorithm {algorithm} is not supported; use Kyber768 or Dilithium3"
            ))
        })?;
        let tenant_id = match tenant_id {
            Some(tenant_id) => tenant_id.to_owned(),
            None => self.store.first_tenant()?.ok_or_else(|| {
                ServerError::InvalidConfig("the data directory has no tenant yet".to_owned())
            })?,
        };
        self.store.archive_key(&tenant_id, algorithm, version)?;
        Ok(())
    }

    /// Runs SQLite's `PRAGMA integrity_check` and returns its first line (`ok` when the
    /// database is healthy).
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails.
    pub fn integrity_check(&self) -> Result<String, ServerError> {
        Ok(self.store.integrity_check()?)
    }
}
