package dev.ferry.mirror.go;

import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.storage.ContentStore;
import dev.ferry.upstreams.GoProxyClient;
import java.time.Clock;

/** The {@link GoModuleMirror}. STUB: the mirror work fills it in. */
public final class CachingGoModuleMirror implements GoModuleMirror {
    public CachingGoModuleMirror(ContentStore store, GoProxyClient upstream, GoMirrorSettings settings, Clock clock) {}

    @Override
    public GoAnswer answer(ProxyRequest request) {
        throw new UnsupportedOperationException("todo");
    }
}
