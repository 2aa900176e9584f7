/**
 * Signed notes (golang.org/x/mod/sumdb/note): a UTF-8 text followed by a blank line and one signature line per key,
 * {@code "— <name> <base64(4-byte key hash || signature)>"}; keys are Ed25519, written in the go form
 * {@code name+hash+base64(0x01 || key)}.
 */
package dev.ferry.protocols.sumdb.note;
