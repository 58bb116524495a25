#ifndef WNET_CIMAGECODECS_H
#define WNET_CIMAGECODECS_H
int wnet_codecs_placeholder(void);
#endif
