/**
 * Go module paths and file paths (golang.org/x/mod/module): what the go command accepts, the {@code !}-case
 * encoding used in proxy URLs, and which major versions a path may carry.
 */
package dev.ferry.protocols.module;
