/// One proxy's holes filled from another's.
extension StereoProxy {
  /// This proxy with each unknown pixel (`+∞`) taken from `other` where `other` knows it, per
  /// view: `d(x) = d_self(x)` and `c(x) = c_self(x)` where `d_self(x)` is finite, else
  /// `d(x) = d_other(x)` and `c(x) = c_other(x)`.
  ///
  /// `other` must have this proxy's size.
  ///
  /// With `conflicts`, a known pixel whose value differs from the other proxy's known value by
  /// more than `conflicts` pixels takes the other's too:
  ///
  ///     p(x) = o(x)  if p(x) unknown, or if |p(x) − o(x)| > conflicts (both known)
  ///     p(x) = p(x)  otherwise
  public func filling(from other: StereoProxy, conflicts: Float? = nil) -> StereoProxy {
    precondition(
      other.leftDisparity.width == leftDisparity.width
        && other.leftDisparity.height == leftDisparity.height,
      "Proxies of \(leftDisparity.width)×\(leftDisparity.height) and "
        + "\(other.leftDisparity.width)×\(other.leftDisparity.height) cannot be merged")
    func fill(_ map: Image, _ confidence: Image, _ from: Image, _ fromConfidence: Image)
      -> (Image, Image)
    {
      var map = map
      var confidence = confidence
      for index in map.pixels.indices {
        let (own, given) = (map.pixels[index], from.pixels[index])
        guard given.isFinite else { continue }
        if own.isFinite && !(conflicts.map { abs(own - given) > $0 } ?? false) { continue }
        map.pixels[index] = given
        confidence.pixels[index] = fromConfidence.pixels[index]
      }
      return (map, confidence)
    }
    let (left, leftConfidence) = fill(
      leftDisparity, leftConfidence, other.leftDisparity, other.leftConfidence)
    let (right, rightConfidence) = fill(
      rightDisparity, rightConfidence, other.rightDisparity, other.rightConfidence)
    return StereoProxy(
      leftDisparity: left, leftConfidence: leftConfidence, rightDisparity: right,
      rightConfidence: rightConfidence)
  }
}
