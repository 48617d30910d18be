/* bench-libxml2.c: the bare libxml2 streaming pass that scripts/bench compares lvzhi's XML input
 * with (issue 16: "within 1.25x of a bare libxml2 streaming pass"). It reads FILE in 64 KiB
 * chunks through libxml2's SAX2 push parser, as lvzhi's canonical XML reader does, with the
 * same safety options (no network, no entity substitution, no DTD loading), and only counts
 * elements and attributes: no validation, no storage.
 *   cc -O2 -o bench-libxml2 scripts/bench-libxml2.c $(pkg-config --cflags --libs libxml-2.0)
 *   ./bench-libxml2 activities.xml
 */
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

static long elements, attributes;

static void start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri, int nsCount,
                  const xmlChar **namespaces, int count, int defaulted, const xmlChar **attrs) {
    (void)ctx; (void)name; (void)prefix; (void)uri; (void)nsCount; (void)namespaces; (void)defaulted; (void)attrs;
    elements++;
    attributes += count;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s FILE.xml\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = start;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    xmlParserCtxtPtr ctx = xmlCreatePushParserCtxt(&sax, NULL, buf, (int)n, argv[1]);
    xmlCtxtUseOptions(ctx, XML_PARSE_NONET);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (xmlParseChunk(ctx, buf, (int)n, 0) != 0) { fprintf(stderr, "parse error\n"); return 1; }
    }
    if (xmlParseChunk(ctx, buf, 0, 1) != 0) { fprintf(stderr, "parse error\n"); return 1; }
    printf("%ld elements, %ld attributes\n", elements, attributes);
    xmlFreeParserCtxt(ctx);
    fclose(f);
    return 0;
}
