#include "CStereoKernels.h"

#include <cpuid.h>
#include <string.h>

// CPUID leaf 0 names the vendor in EBX, EDX, ECX, in that order: "Genu" "ineI" "ntel".
int wnet_cpu_is_intel(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
  char vendor[12];
  memcpy(vendor, &b, 4);
  memcpy(vendor + 4, &d, 4);
  memcpy(vendor + 8, &c, 4);
  return memcmp(vendor, "GenuineIntel", 12) == 0;
}
