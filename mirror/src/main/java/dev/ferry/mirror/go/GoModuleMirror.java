package dev.ferry.mirror.go;

import dev.ferry.protocols.goproxy.ProxyRequest;

/**
 * Cache-or-fetch for the GOPROXY protocol: answers from the store, fetches misses from upstream once
 * (concurrent misses coalesce), checks the bytes before storing, refreshes list/@latest after a TTL.
 * STUB: the mirror work fills it in (as a class taking ContentStore, GoProxyClient, settings, clock, metrics).
 */
public interface GoModuleMirror {
    GoAnswer answer(ProxyRequest request);
}
