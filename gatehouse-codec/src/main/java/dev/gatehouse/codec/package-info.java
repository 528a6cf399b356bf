/**
 * Client-side payload encryption for Temporal workers and clients.
 *
 * <p>{@link dev.gatehouse.codec.EncryptionCodec} is the AES-256-GCM {@code PayloadCodec}; its keys come from a
 * {@link dev.gatehouse.codec.Keyring} (file, environment or code) of {@link dev.gatehouse.codec.Key}s, or in envelope
 * mode from a {@link dev.gatehouse.codec.KeyProvider} (KMS, HSM). Every refusal is an
 * {@link dev.gatehouse.codec.EncryptionCodecException}.
 */
package dev.gatehouse.codec;
