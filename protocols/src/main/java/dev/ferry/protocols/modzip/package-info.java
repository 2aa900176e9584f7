/** Module zip files (golang.org/x/mod/zip), checked in one streaming pass with bounded memory. */
package dev.ferry.protocols.modzip;
