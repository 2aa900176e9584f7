/** go.mod files (golang.org/x/mod/modfile): the directives minimal version selection and retraction need. */
package dev.ferry.protocols.modfile;
