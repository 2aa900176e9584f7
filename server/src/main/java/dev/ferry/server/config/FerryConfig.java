package dev.ferry.server.config;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.sumdb.SumdbConfig;
import dev.ferry.upstreams.GoProxyList;
import dev.ferry.upstreams.UpstreamTimeouts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;

/** Everything {@code ferry serve} needs, validated. */
public record FerryConfig(
        ListenAddress listen,
        Path data,
        String goUpstreamText,
        GoProxyList goUpstream,
        Duration goListTtl,
        Duration goNotFoundTtl,
        UpstreamTimeouts upstreamTimeouts,
        Level logLevel,
        boolean accessLog,
        String sumdbText,
        SumdbConfig sumdb,
        PrivatePatterns privates) {

    /** Without a checksum database (GOSUMDB=off) and private patterns. */
    public FerryConfig(ListenAddress listen, Path data, String goUpstreamText, GoProxyList goUpstream,
                       Duration goListTtl, Duration goNotFoundTtl, UpstreamTimeouts upstreamTimeouts, Level logLevel,
                       boolean accessLog) {
        this(listen, data, goUpstreamText, goUpstream, goListTtl, goNotFoundTtl, upstreamTimeouts, logLevel, accessLog,
                "off", new SumdbConfig.Off(), PrivatePatterns.none());
    }

    /** The content store's directory under {@link #data}. */
    public Path storeDir() {
        return data.resolve("store");
    }

    /** Where downloads in progress that outgrow memory are spooled while clients follow them. */
    public Path spoolDir() {
        return data.resolve("spool");
    }
}
