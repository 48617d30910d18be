#ifndef LVZHI_CLIBXML2_SHIM_H
#define LVZHI_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU, so its encoding.h pulls in the system's
   <unicode/ucnv.h>, which clashes with Foundation's own ICU module when both are
   imported into one Swift module. lvzhi never touches the ICU converter fields, so
   the headers are read without them (pointers and the functions used are unaffected). */
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* libxml2 reports some errors (undecodable bytes in the declared encoding, I/O) through its
   per-thread "generic" handler, which prints to stderr, rather than to the reader's structured
   handler. lvzhi collects them on the reading thread instead, into a zeroed buffer of
   LVZHI_GENERIC_ERROR_BYTES bytes it owns, so they can be part of the diagnostic and nothing is
   printed behind lvzhi's back. Swift cannot define a variadic C callback, hence these helpers. */
#define LVZHI_GENERIC_ERROR_BYTES 512

static void lvzhi_generic_error(void *ctx, const char *msg, ...) {
    char *text = (char *)ctx;
    if (text == NULL) return;
    size_t used = strnlen(text, LVZHI_GENERIC_ERROR_BYTES);
    if (used + 1 >= LVZHI_GENERIC_ERROR_BYTES) return;
    va_list ap;
    va_start(ap, msg);
    vsnprintf(text + used, LVZHI_GENERIC_ERROR_BYTES - used, msg, ap);
    va_end(ap);
}

/* Sends this thread's generic libxml2 errors into `buffer` (NULL: back to libxml2's default). */
static inline void lvzhi_collect_generic_errors(char *buffer) {
    if (buffer == NULL) xmlSetGenericErrorFunc(NULL, NULL);
    else xmlSetGenericErrorFunc(buffer, lvzhi_generic_error);
}

/* Not libxml2: a hint to fetch the cache line at `p` before it is read or written, without
   waiting for it (Swift has no prefetch). The ingest asks for the member slot of a record a few
   rows ahead: with 80,000 members the slots outgrow a core's L2 cache. */
static inline void lvzhi_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

#endif
