/**
 * The Go checksum database (golang.org/x/mod/sumdb): the GOSUMDB setting, lookup responses and the pure verification
 * flow a mirror runs on them. Signed notes, log math and dirhash live in the subpackages; nothing here does I/O except
 * through the {@link dev.ferry.protocols.sumdb.tlog.TileReader} the caller supplies.
 */
package dev.ferry.protocols.sumdb;
