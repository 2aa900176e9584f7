/** The go.sum {@code h1:} hash of a module zip or a go.mod (golang.org/x/mod/sumdb/dirhash). */
package dev.ferry.protocols.sumdb.dirhash;
