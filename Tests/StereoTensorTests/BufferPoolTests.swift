import StereoTensor
import Testing

@Suite("Buffer pool")
struct BufferPoolTests {
  @Test("Size classes: exact below 1024 elements, then m·2ᵉ with m in 8…15, at most 12.5% over")
  func sizeClasses() {
    #expect(BufferPool.sizeClass(1) == 1)
    #expect(BufferPool.sizeClass(1000) == 1000)
    #expect(BufferPool.sizeClass(1024) == 1024)
    #expect(BufferPool.sizeClass(1025) == 1152)  // 9 · 128
    #expect(BufferPool.sizeClass(6 * 192 * 336 * 32) == 12_582_912)  // 12 · 2²⁰ ≥ 12,386,304
    for count in stride(from: 1024, to: 40_000_000, by: 9973) {
      let size = BufferPool.sizeClass(count)
      #expect(size >= count && Double(size) <= Double(count) * 1.125, "\(count) → \(size)")
    }
  }

  @Test("A released buffer is handed to the next request of the same class")
  func reuse() {
    let pool = BufferPool(capacityBytes: 1 << 30)
    let first = pool.allocate(count: 5000)
    #expect(first.capacity == 5120)
    pool.release(first.pointer, capacity: first.capacity)
    let second = pool.allocate(count: 5100)  // same class (5120 = 10 · 512)
    #expect(first.pointer == second.pointer)
    // A smaller request borrows an idle buffer of up to twice its size.
    pool.release(second.pointer, capacity: second.capacity)
    let third = pool.allocate(count: 3000)
    #expect(third.pointer == first.pointer && third.capacity == 5120)
    // Beyond twice the size, it gets its own.
    pool.release(third.pointer, capacity: third.capacity)
    let fourth = pool.allocate(count: 2000)
    #expect(fourth.pointer != first.pointer && fourth.capacity == 2048)
    pool.release(fourth.pointer, capacity: fourth.capacity)
    pool.drain()
  }
}
