/**
 * The OCI distribution and image formats ferry speaks (opencontainers/distribution-spec v1.1, image-spec v1.1,
 * and Docker's schema2 media types): the API's request paths and parameters ({@link
 * dev.ferry.protocols.oci.RegistryRequest}), repository names, tags, digests, references, media types, manifests
 * and indexes, byte ranges, and the spec's error codes. Pure formats: nothing here reads a network or a disk.
 * Every parser states the exact rule it enforces and throws {@link dev.ferry.protocols.oci.OciFormatException},
 * which carries the spec's error code, so the server answers bad input with a 4xx and the spec's JSON body.
 */
package dev.ferry.protocols.oci;
