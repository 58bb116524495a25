// StereoDepth
