package dev.ferry.mirror.sumdb;

/** What checksum verification reports for metrics; the server's FerryMetrics implements it. */
public interface SumdbEvents {
    SumdbEvents NONE = new SumdbEvents() {
        @Override
        public void verification(Result result) {}

        @Override
        public void request(RequestKind kind) {}
    };

    /** The outcome of checking one downloaded .mod or .zip. */
    enum Result {
        /** The hash matched the database (or the pinned hash of a private module). */
        OK,
        /** The content differs from what the database or the pin says: refused. */
        MISMATCH,
        /** No usable answer from the database (unreachable, garbled, unknown key): not served yet. */
        UNREACHABLE,
        /** The database contradicted itself or a signature was forged: refused, evidence kept. */
        SECURITY
    }

    /** Which kind of request ferry sent towards a checksum database. */
    enum RequestKind {
        LOOKUP,
        TILE,
        LATEST
    }

    void verification(Result result);

    void request(RequestKind kind);
}
