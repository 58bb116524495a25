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
    // Beyond twice the size, it gets its own; the idle one stays.
    pool.release(third.pointer, capacity: third.capacity)
    let fourth = pool.allocate(count: 2000)
    #expect(fourth.capacity == 2048 && pool.statistics.idleBytes == 5120 * 4)
    pool.release(fourth.pointer, capacity: fourth.capacity)
    pool.drain()
  }

  @Test("A request no idle buffer serves frees idle buffers, smallest first, to its own size")
  func roomBeforeGrowth() {
    let pool = BufferPool(capacityBytes: 1 << 30)
    // Classes by hand: 5000 → 10·2⁹ = 5120; 100,000 → 13·2¹³ = 106,496; 2000 → 8·2⁸ = 2048.
    let small = pool.allocate(count: 5000)
    let large = pool.allocate(count: 100_000)
    #expect(small.capacity == 5120 && large.capacity == 106_496)
    pool.release(small.pointer, capacity: small.capacity)
    pool.release(large.pointer, capacity: large.capacity)
    #expect(pool.statistics.idleBytes == (5120 + 106_496) * 4)
    // 2048 floats: 5120 is more than twice that, so a miss; freeing the 20 KB buffer suffices.
    let a = pool.withRoomBeforeGrowth { pool.allocate(count: 2000) }
    #expect(pool.statistics.idleBytes == 106_496 * 4)
    // 40,000 → 40,960 floats (160 KB): 106,496 is more than twice that; the rest is freed.
    let b = pool.withRoomBeforeGrowth { pool.allocate(count: 40_000) }
    #expect(b.capacity == 40_960 && pool.statistics.idleBytes == 0)
    // Served from idle: nothing freed.
    pool.release(b.pointer, capacity: b.capacity)
    let c = pool.withRoomBeforeGrowth { pool.allocate(count: 40_000) }
    #expect(c.pointer == b.pointer && pool.statistics.idleBytes == 0)
    // Outside the scope a miss frees nothing.
    pool.release(c.pointer, capacity: c.capacity)
    let d = pool.allocate(count: 200_000)
    #expect(pool.statistics.idleBytes == 40_960 * 4)
    pool.release(d.pointer, capacity: d.capacity)
    let e = pool.allocate(count: 40_000)
    pool.release(a.pointer, capacity: a.capacity)
    pool.release(e.pointer, capacity: e.capacity)
    pool.drain()
  }
}
