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
#endif
