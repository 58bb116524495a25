// StereoData
