/**
 * Go toolchains as modules: the go command (1.21 and later, {@code GOTOOLCHAIN=auto} or {@code goX.Y.Z}) downloads
 * a toolchain it does not have as the module {@code golang.org/toolchain} at version
 * {@code v0.0.1-goX.Y.Z.GOOS-GOARCH}, from GOPROXY and checked against the checksum database like any public module.
 * Here: the grammar of a Go release name and of a platform, and the module version they make.
 */
package dev.ferry.protocols.toolchain;
