package dev.ferry.server.logging;

import io.helidon.logging.common.spi.LoggingProvider;

/**
 * Tells Helidon that logging is set up (by {@link Logging}, before the server starts): without a provider on the
 * class path Helidon prints "There is no Helidon logging implementation on classpath" at every start, and its JUL
 * provider would read a logging.properties over ferry's own set-up. Registered in META-INF/services.
 */
public final class HelidonLogging implements LoggingProvider {
    @Override
    public void initialization() {
        // ferry's Logging has configured java.util.logging already
    }

    @Override
    public void runTime() {
        // nothing to redo at run time either
    }
}
