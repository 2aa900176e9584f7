/** Go source files, as far as planning needs them: their imports. Pure: no I/O. */
package dev.ferry.protocols.gosrc;
