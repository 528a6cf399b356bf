-- A master key made by the store and wrapped by a KeyProvider (KMS, HSM): the provider's key id and the wrapped key.
ALTER TABLE store_state ADD COLUMN wrapped_key_id TEXT;
ALTER TABLE store_state ADD COLUMN wrapped_key BYTEA;
