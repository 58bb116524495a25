/// The on-disk layouts StereoData reads. See `docs/DATA.md` for the file names of each.
public enum StereoDatasetFormat: String, Sendable, Hashable, Codable, CaseIterable {
  /// Recognise each folder's layout from the files it holds.
  case automatic = "auto"
  /// Pairs in folders: `<scene>/left.png` + `<scene>/right.png` (or `.jpg`), with optional
  /// ground truth `disparity.pfm`, `disparity.png` (KITTI, value / 256) or `disp0GT.png` (value =
  /// disparity, as `scripts/fetch-samples.sh` writes Aloe); or `left/` and `right/` folders with
  /// matching file names.
  case folder
  /// KITTI 2012 (`colored_0`/`colored_1`, `disp_occ`/`disp_noc`) and 2015 (`image_2`/`image_3`,
  /// `disp_occ_0`/`disp_noc_0`).
  case kitti
  /// Middlebury 2014 / MiddEval3 and ETH3D two-view: `<scene>/im0.png`, `im1.png`, optional
  /// `disp0GT.pfm` (or `disp0.pfm`), `mask0nocc.png`, `calib.txt`.
  case middlebury
  /// Middlebury 2001-2003 as in the shared development data: `imL.png`, `imR.png`,
  /// `groundtruth.png` with its scale in `info.txt`, masks `nonocc.png`, `all.png`, `disc.png`.
  case middlebury2001 = "middlebury-2001"
  /// 3D video files (needs a ``StereoVideoLayout``).
  case video
}
