/**
 * Minimal version selection over a module graph, as the go command computes the build list ({@code go list -m
 * all}) from a main module's go.mod: requirements, exclude and replace of the main module, and the module-graph
 * pruning of go 1.17+ modules. Pure: the go.mod files of dependencies come from a callback. See {@link
 * dev.ferry.protocols.mvs.Mvs}.
 */
package dev.ferry.protocols.mvs;
