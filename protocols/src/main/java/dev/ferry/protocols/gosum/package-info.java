/** go.sum files: {@code path version[/go.mod] hash} lines, parsed with every bad line reported by its number. */
package dev.ferry.protocols.gosum;
