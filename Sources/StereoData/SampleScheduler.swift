import Foundation
import StereoTensor

/// The deterministic, infinite order in which training pairs are drawn.
///
/// Image pairs only: position `p` is pair `perm_e[p mod n]` of pass `e = p / n`, where `perm_e`
/// is a permutation seeded by `(seed, e)`; any position can be computed directly, so a stream
/// can start at any batch. With videos: each pass shuffles the units (each image pair, each
/// video or video segment), reads them in that order (a video's frames in time order), and
/// draws from a shuffle buffer of ``StereoLoaderConfiguration/shuffleBufferFrames`` items with a
/// generator seeded by `(seed, start)`.
///
/// Not thread-safe: the loader calls it under a lock, in batch order, which is what makes the
/// order independent of thread timing.
final class SampleScheduler {
  /// One scheduled item, at its position in the infinite stream.
  enum Item {
    case pair(index: Int)
    case frame(VideoFrame, source: String)
  }

  private let dataset: StereoDataset
  private let seed: UInt64
  private let bufferCapacity: Int
  private var position: Int
  private var cachedPass = -1
  private var cachedPermutation: [Int] = []

  // Video state.
  private var bufferGenerator: SeededGenerator
  private var buffer: [Item] = []
  private var pass = 0
  private var units: [Int] = []  // indices < samples.count are pairs, the rest videos
  private var unitIndex = 0
  private var reader: (VideoFrameReader, source: String)?
  private var itemsThisPass = 0
  private var failure: Error?

  init(dataset: StereoDataset, seed: UInt64, shuffleBufferFrames: Int, startPosition: Int) {
    precondition(!dataset.isEmpty, "A scheduler needs a non-empty dataset")
    self.dataset = dataset
    self.seed = seed
    self.bufferCapacity = dataset.videos.isEmpty ? 0 : shuffleBufferFrames
    self.position = startPosition
    self.bufferGenerator = SeededGenerator(
      seed: SeedDerivation.seed(
        seed, purpose: SeedDerivation.bufferPurpose, index: UInt64(startPosition)))
  }

  deinit { reader?.0.close() }

  /// The next item and its position.
  ///
  /// - Throws: ``StereoDataError`` from a video reader; once thrown, every later call throws it.
  func next() throws -> (item: Item, position: Int) {
    if let failure { throw failure }
    defer { position += 1 }
    if dataset.videos.isEmpty { return (.pair(index: pairIndex(at: position)), position) }
    do {
      return (try nextBuffered(), position)
    } catch {
      failure = error
      reader?.0.close()
      reader = nil
      throw error
    }
  }

  private func pairIndex(at position: Int) -> Int {
    let count = dataset.samples.count
    let epoch = position / count
    if epoch != cachedPass {
      var generator = SeededGenerator(
        seed: SeedDerivation.seed(seed, purpose: SeedDerivation.epochPurpose, index: UInt64(epoch)))
      cachedPermutation = Array(0..<count).shuffled(using: &generator)
      cachedPass = epoch
    }
    return cachedPermutation[position % count]
  }

  private func nextBuffered() throws -> Item {
    while buffer.count < bufferCapacity { buffer.append(try nextInOrder()) }
    let pick = Int.random(in: 0..<buffer.count, using: &bufferGenerator)
    buffer.swapAt(pick, buffer.count - 1)
    return buffer.removeLast()
  }

  /// The next item in pass order; passes repeat forever, and a pass with no items throws.
  private func nextInOrder() throws -> Item {
    while true {
      if let (current, source) = reader {
        if let frame = try current.next() {
          itemsThisPass += 1
          return .frame(frame, source: source)
        }
        current.close()
        reader = nil
      }
      if unitIndex >= units.count {
        if !units.isEmpty && itemsThisPass == 0 {
          throw StereoDataError(.empty, dataset.root, "no frames could be read from the videos")
        }
        startPass()
      }
      let unit = units[unitIndex]
      unitIndex += 1
      if unit < dataset.samples.count {
        itemsThisPass += 1
        return .pair(index: unit)
      }
      let video = dataset.videos[unit - dataset.samples.count]
      reader = (try video.makeReader(), video.source)
    }
  }

  private func startPass() {
    var generator = SeededGenerator(
      seed: SeedDerivation.seed(
        seed, purpose: SeedDerivation.epochPurpose, index: UInt64(pass) ^ bufferGenerator.next()))
    units = Array(0..<(dataset.samples.count + dataset.videos.count)).shuffled(using: &generator)
    unitIndex = 0
    itemsThisPass = 0
    pass += 1
  }
}
