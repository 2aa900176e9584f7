/**
 * {@code direct}: module versions fetched from their version-control origin by the go command run on the server,
 * in a sandbox per fetch, for hosts the configuration allows. An upstream like any other: what it returns goes
 * through the mirror's checks, verification and store; nothing from a sandbox is served as it is.
 */
package dev.ferry.upstreams.vcs;
