#ifndef LVZHI_CLIBXML2_SHIM_H
#define LVZHI_CLIBXML2_SHIM_H
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#endif
