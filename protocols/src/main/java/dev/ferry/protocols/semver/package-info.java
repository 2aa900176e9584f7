/** Go's semantic versions (golang.org/x/mod/semver) with the module layer's canonical and pseudo-version rules. */
package dev.ferry.protocols.semver;
