int wnet_codecs_placeholder(void) { return 0; }
