-- wrk script: GET of the URL given on the command line, with the Accept header a container client sends for a
-- manifest by tag (OCI and Docker schema2 manifests and indexes).
wrk.method = "GET"
wrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
  .. "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json"
