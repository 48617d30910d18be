#ifndef LVZHI_CISAL_H
#define LVZHI_CISAL_H
/* Intel's ISA-L deflate (igzip), loaded at run time when present, for the workbook's sheets:
   at the workbook's levels it deflates a million-record ledger sheet about four times faster
   than zlib, to about the same size (docs/benchmarks.md). lvzhi builds and runs without it
   (zlib then deflates everything); scripts/setup installs it (libisal-dev) where it can. */
#include <stdint.h>

/// 1 when ISA-L's deflate was built in (its headers were present) and its library loads.
int lvzhi_isal_available(void);

/// Raw deflate of `input[0..<count]` at ISA-L `level` (0–3), primed with `dictionary` (at most
/// 32 KiB; may be NULL when `dictionaryCount` is 0), ending with a sync flush: byte aligned and
/// not final, so that such outputs joined in order are one deflate stream. Writes at most
/// `capacity` bytes to `output`; returns the bytes written, or -1 when `output` was too small or
/// ISA-L failed (the caller then deflates with zlib).
long lvzhi_isal_deflate(const uint8_t *dictionary, uint32_t dictionaryCount,
                        const uint8_t *input, uint32_t count,
                        uint8_t *output, uint32_t capacity, int level);

/// CRC-32 (IEEE, as ZIP and gzip use it) of `bytes[0..<count]` continuing `crc`: ISA-L's, or
/// a slow portable one where ISA-L is not available.
uint32_t lvzhi_isal_crc32(uint32_t crc, const uint8_t *bytes, uint64_t count);

#endif
