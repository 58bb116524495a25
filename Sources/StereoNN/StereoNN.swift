// StereoNN
