/**
 * The GOPROXY protocol's request paths: what a client may ask for, and whether a refusal is a 400 or a 404
 * (the go command only falls through to the next proxy on 404 and 410).
 */
package dev.ferry.protocols.goproxy;
