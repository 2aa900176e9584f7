package dev.ferry.sync;

/** An item could not be fetched; the message says why (it goes into the job's report as is). */
public class PrewarmFailure extends Exception {
    public PrewarmFailure(String message) {
        super(message);
    }
}
