#ifndef LVZHI_CLIBCRYPTO_SHIM_H
#define LVZHI_CLIBCRYPTO_SHIM_H
/* The system's OpenSSL libcrypto, for SHA-256 only (input, output and rule-file hashes): its
   EVP digest interface, which uses the processor's SHA instructions where there are some.
   swift-crypto compiled its own copy of BoringSSL (359 C files) for this one function. */
#include <openssl/evp.h>
#endif
