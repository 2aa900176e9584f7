package dev.ferry.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminAuthTest {
    @TempDir
    Path data;

    @Test
    void configuredTokenIsTheOnlyOneAccepted() throws Exception {
        AdminAuth auth = AdminAuth.load("s3cret", data);
        assertTrue(auth.allows("Bearer s3cret"));
        assertTrue(auth.allows("bearer s3cret"), "the scheme is case-insensitive");
        assertFalse(auth.allows("Bearer s3cre"));
        assertFalse(auth.allows("Bearer s3cret2"));
        assertFalse(auth.allows("Basic s3cret"));
        assertFalse(auth.allows("s3cret"));
        assertFalse(auth.allows(null));
        assertFalse(auth.allows("Bearer "));
        assertFalse(Files.exists(data.resolve(AdminAuth.TOKEN_FILE)), "no file when a token is configured");
    }

    @Test
    void withoutATokenOneIsGeneratedOwnerOnlyAndKeptAcrossStarts() throws Exception {
        AdminAuth first = AdminAuth.load(null, data);
        Path file = data.resolve(AdminAuth.TOKEN_FILE);
        String token = Files.readString(file).strip();
        assertTrue(token.length() >= 40, token);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(first.allows("Bearer " + token));
        AdminAuth again = AdminAuth.load("", data);
        assertTrue(again.allows("Bearer " + token));
        assertEquals(token, Files.readString(file).strip(), "not regenerated");
    }
}
