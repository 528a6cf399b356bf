package dev.gatehouse.audit;

/**
 * Where a node's chain stands: the last record's sequence number and the SHA-256 of its line.
 *
 * @param sequence 0 before the first record
 * @param hash 32 zero bytes before the first record
 */
record ChainHead(long sequence, byte[] hash) {
  static final ChainHead GENESIS = new ChainHead(0, new byte[32]);
}
