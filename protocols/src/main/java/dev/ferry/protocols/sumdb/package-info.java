/**
 * The Go checksum database (golang.org/x/mod/sumdb): the GOSUMDB setting, lookup requests and responses, and the
 * pure verification flow a mirror runs on them. Signed notes, log math and dirhash live in the subpackages; nothing
 * here does I/O except through the {@link dev.ferry.protocols.sumdb.tlog.TileReader} the caller supplies.
 *
 * <p>How a mirror uses it:
 * <ol>
 * <li>{@link dev.ferry.protocols.sumdb.SumdbConfig#parse} the GOSUMDB value once; build one
 *     {@link dev.ferry.protocols.sumdb.SumdbVerifier} per database (stateless, thread-safe).</li>
 * <li>For a module version: fetch {@code <db>/} + {@link dev.ferry.protocols.sumdb.Lookup#path}, call
 *     {@link dev.ferry.protocols.sumdb.SumdbVerifier#verifyLookup} with the trusted tree, then compare the returned h1
 *     hashes with {@link dev.ferry.protocols.sumdb.dirhash.Hash1#ofZip} / {@link
 *     dev.ferry.protocols.sumdb.dirhash.Hash1#ofGoMod} of what the upstream proxy served.</li>
 * <li>Persist the trusted tree per database name as the signed note bytes
 *     ({@link dev.ferry.protocols.sumdb.SignedTree#note()}), replaced only when
 *     {@link dev.ferry.protocols.sumdb.SumdbVerifier.TreeCheck#advanced} says it grew, with a compare-and-set so two
 *     concurrent verifications cannot move it backwards; re-open it with {@link
 *     dev.ferry.protocols.sumdb.SignedTree#open} on load.</li>
 * <li>Cache tiles by {@link dev.ferry.protocols.sumdb.tlog.Tile#path()}: full tiles forever, partial tiles until a
 *     wider one of the same number exists. Tile bytes need no trust: every use re-authenticates them against a signed
 *     tree hash, so a poisoned cache yields {@code BAD_PROOF}, never a wrong answer; on {@code BAD_PROOF} evict the
 *     tiles read and retry once from upstream.</li>
 * <li>On a {@link dev.ferry.protocols.sumdb.SumdbException} whose kind {@code isSecurityEvent()}, keep the response
 *     and the trusted note as evidence, alert, and fail closed.</li>
 * </ol>
 */
package dev.ferry.protocols.sumdb;
