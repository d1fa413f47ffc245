;; The WebAssembly SIMD (simd128) kernels of package native: fp32 and int8 matrix
;; products over a Go program's own linear memory. A JavaScript host
;; instantiates this module with the Go instance's exported memory as
;; env.mem and hands its exports to the Go program (see doc.go).
;;
;; Layouts are package native's (gemm.go): A is row major, rows of lda
;; floats; B [K, N] is packed in panels of 32 columns, panel p holding
;; its K rows of 32 floats one after the other (zero past N). Addresses
;; are byte offsets into the memory; leading dimensions count floats.
;;
;; Every product is computed in blocks of 4 rows by 8 columns ($dot4x8):
;; 8 vector accumulators, 2 vectors of B and one of A live per k step,
;; which fit the 16 vector registers of x86-64 and arm64 engines. A block
;; past the last row repeats the last row (its results are not stored,
;; or leave a maximum as it is), so no row count needs padding.
(module
  (import "env" "mem" (memory 0))

  ;; $dot4x8 returns the block Σ_k a_i[k] · b[k*32 + j] for the rows
  ;; a0…a3 (addresses of k floats each) and the columns j = 0…7 of the
  ;; panel rows at b: row 0's columns 0-3, row 0's 4-7, row 1's 0-3, …
  (func $dot4x8 (param $a0 i32) (param $a1 i32) (param $a2 i32) (param $a3 i32) (param $b i32) (param $k i32)
    (result v128 v128 v128 v128 v128 v128 v128 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128) (local $end i32)
    (if (local.get $k)
      (then
        (local.set $end (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 2))))
        (loop $step
          (local.set $b0 (v128.load (local.get $b)))
          (local.set $b1 (v128.load offset=16 (local.get $b)))
          (local.set $x (v128.load32_splat (local.get $a0)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat (local.get $a1)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat (local.get $a2)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat (local.get $a3)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
          (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
          (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
          (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
          (local.set $b (i32.add (local.get $b) (i32.const 128)))
          (br_if $step (i32.lt_u (local.get $a0) (local.get $end))))))
    (local.get $c00) (local.get $c01) (local.get $c10) (local.get $c11)
    (local.get $c20) (local.get $c21) (local.get $c30) (local.get $c31))

  ;; $store stores the first n (at most 8) floats of the 8 in v0, v1 at p.
  (func $store (param $p i32) (param $v0 v128) (param $v1 v128) (param $n i32)
    (if (i32.ge_u (local.get $n) (i32.const 8))
      (then
        (v128.store (local.get $p) (local.get $v0))
        (v128.store offset=16 (local.get $p) (local.get $v1))
        (return)))
    (if (i32.ge_u (local.get $n) (i32.const 4))
      (then
        (v128.store (local.get $p) (local.get $v0))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $v0 (local.get $v1))
        (local.set $n (i32.sub (local.get $n) (i32.const 4)))))
    (if (i32.ge_u (local.get $n) (i32.const 1))
      (then (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v0)))))
    (if (i32.ge_u (local.get $n) (i32.const 2))
      (then (f32.store offset=4 (local.get $p) (f32x4.extract_lane 1 (local.get $v0)))))
    (if (i32.ge_u (local.get $n) (i32.const 3))
      (then (f32.store offset=8 (local.get $p) (f32x4.extract_lane 2 (local.get $v0))))))

  ;; $row returns the address of row min(r, m-1) of a, whose rows are
  ;; stride bytes apart.
  (func $row (param $a i32) (param $stride i32) (param $r i32) (param $m i32) (result i32)
    (i32.add (local.get $a)
      (i32.mul
        (select (local.get $r) (i32.sub (local.get $m) (i32.const 1)) (i32.lt_u (local.get $r) (local.get $m)))
        (local.get $stride))))

  ;; gemm computes C [m, n] = A [m, k] · B, overwriting c (leading
  ;; dimension ldc): native's gemmPanels over all of B's panels.
  (func (export "gemm") (param $m i32) (param $k i32) (param $a i32) (param $lda i32)
    (param $b i32) (param $n i32) (param $c i32) (param $ldc i32)
    (local $n0 i32) (local $j i32) (local $r i32) (local $i i32) (local $panel i32) (local $stride i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $w i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128)
    (if (i32.or (i32.eqz (local.get $m)) (i32.eqz (local.get $n))) (then (return)))
    (local.set $stride (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $panel (local.get $b))
    (loop $panels
      (local.set $r (i32.const 0))
      (loop $rows
        (local.set $a0 (call $row (local.get $a) (local.get $stride) (local.get $r) (local.get $m)))
        (local.set $a1 (call $row (local.get $a) (local.get $stride) (i32.add (local.get $r) (i32.const 1)) (local.get $m)))
        (local.set $a2 (call $row (local.get $a) (local.get $stride) (i32.add (local.get $r) (i32.const 2)) (local.get $m)))
        (local.set $a3 (call $row (local.get $a) (local.get $stride) (i32.add (local.get $r) (i32.const 3)) (local.get $m)))
        (local.set $j (i32.const 0))
        (loop $cols
          (call $dot4x8 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)
            (i32.add (local.get $panel) (i32.shl (local.get $j) (i32.const 2))) (local.get $k))
          (local.set $v7) (local.set $v6) (local.set $v5) (local.set $v4)
          (local.set $v3) (local.set $v2) (local.set $v1) (local.set $v0)
          ;; w: the columns left in this row of C from n0+j on
          (local.set $w (i32.sub (local.get $n) (i32.add (local.get $n0) (local.get $j))))
          (local.set $i (i32.add (local.get $c)
            (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ldc)) (i32.add (local.get $n0) (local.get $j))) (i32.const 2))))
          (call $store (local.get $i) (local.get $v0) (local.get $v1) (local.get $w))
          (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $m))
            (then (call $store (i32.add (local.get $i) (i32.shl (local.get $ldc) (i32.const 2)))
              (local.get $v2) (local.get $v3) (local.get $w))))
          (if (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $m))
            (then (call $store (i32.add (local.get $i) (i32.shl (local.get $ldc) (i32.const 3)))
              (local.get $v4) (local.get $v5) (local.get $w))))
          (if (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $m))
            (then (call $store (i32.add (local.get $i) (i32.mul (local.get $ldc) (i32.const 12)))
              (local.get $v6) (local.get $v7) (local.get $w))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br_if $cols (i32.and (i32.lt_u (local.get $j) (i32.const 32))
            (i32.lt_u (i32.add (local.get $n0) (local.get $j)) (local.get $n)))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br_if $rows (i32.lt_u (local.get $r) (local.get $m))))
      (local.set $panel (i32.add (local.get $panel) (i32.shl (local.get $k) (i32.const 7))))
      (local.set $n0 (i32.add (local.get $n0) (i32.const 32)))
      (br_if $panels (i32.lt_u (local.get $n0) (local.get $n)))))

  ;; maxPool sets acc[p*32 + j] to the maximum of itself and the rows of
  ;; the product A [m, k] · B in column p*32 + j, for the np panels of B
  ;; at b: the max-pooled MLM head over one sequence's m rows (native's
  ;; pool). acc holds np*32 floats. m must be at least 1.
  (func (export "maxPool") (param $m i32) (param $k i32) (param $a i32) (param $lda i32)
    (param $b i32) (param $np i32) (param $acc i32)
    (local $j i32) (local $r i32) (local $end i32) (local $stride i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128)
    (local $m0 v128) (local $m1 v128)
    (if (i32.or (i32.eqz (local.get $m)) (i32.eqz (local.get $np))) (then (return)))
    (local.set $stride (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $np) (i32.const 7))))
    (loop $cols ;; 8 columns of acc, at acc, from b on
      (local.set $m0 (v128.load (local.get $acc)))
      (local.set $m1 (v128.load offset=16 (local.get $acc)))
      (local.set $r (i32.const 0))
      (loop $rows
        (call $dot4x8
          (call $row (local.get $a) (local.get $stride) (local.get $r) (local.get $m))
          (call $row (local.get $a) (local.get $stride) (i32.add (local.get $r) (i32.const 1)) (local.get $m))
          (call $row (local.get $a) (local.get $stride) (i32.add (local.get $r) (i32.const 2)) (local.get $m))
          (call $row (local.get $a) (local.get $stride) (i32.add (local.get $r) (i32.const 3)) (local.get $m))
          (local.get $b) (local.get $k))
        (local.set $v7) (local.set $v6) (local.set $v5) (local.set $v4)
        (local.set $v3) (local.set $v2) (local.set $v1) (local.set $v0)
        (local.set $m0 (f32x4.pmax (f32x4.pmax (local.get $m0) (local.get $v0)) (f32x4.pmax (local.get $v2) (f32x4.pmax (local.get $v4) (local.get $v6)))))
        (local.set $m1 (f32x4.pmax (f32x4.pmax (local.get $m1) (local.get $v1)) (f32x4.pmax (local.get $v3) (f32x4.pmax (local.get $v5) (local.get $v7)))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br_if $rows (i32.lt_u (local.get $r) (local.get $m))))
      (v128.store (local.get $acc) (local.get $m0))
      (v128.store offset=16 (local.get $acc) (local.get $m1))
      ;; the next 8 columns: within the panel, or the next panel's first
      (local.set $acc (i32.add (local.get $acc) (i32.const 32)))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (if (i32.eq (local.get $j) (i32.const 32))
        (then
          (local.set $j (i32.const 0))
          (local.set $b (i32.add (local.get $b)
            (i32.sub (i32.shl (local.get $k) (i32.const 7)) (i32.const 128))))))
      (br_if $cols (i32.lt_u (local.get $acc) (local.get $end)))))
;; The int8 products (native's int8.go): A's rows quantized to u8 (rows
  ;; of kp bytes, each with a float32 scale and an int32 zero point), B's
  ;; columns to s8, packed in panels of 32 columns by groups of 4 rows of
  ;; K: per group, each column's 4 weights in order (128 bytes). Each
  ;; column n has colSum[n], scale[n] and bias[n] (float32, int32):
  ;;
  ;;   C[r, n] = (float32(Σ_k u[r, k]·q[k, n] − zp[r]·colSum[n])·scale[n])·as[r] + bias[n].
  ;;
  ;; Blocks of 4 rows by 4 columns ($dot4x4i8): per group of 4 k, the 16
  ;; weights of the block's columns widen to two i16x8 vectors of 2
  ;; columns each, a row's 4 activations widen to an i16x8 of them twice,
  ;; and i32x4.dot_i16x8_s sums the products in pairs: a column's sum is
  ;; the sum of 2 lanes ($sum4).

  ;; $dot4x4i8 returns, for the u8 rows a0…a3 (kp bytes each) and the 4
  ;; columns of a panel whose first group starts at b, each row's two
  ;; vectors of pair sums: columns 0-1, then 2-3.
  (func $dot4x4i8 (param $a0 i32) (param $a1 i32) (param $a2 i32) (param $a3 i32) (param $b i32) (param $kp i32)
    (result v128 v128 v128 v128 v128 v128 v128 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $q v128) (local $b0 v128) (local $b1 v128) (local $x v128) (local $end i32)
    (if (local.get $kp)
      (then
        (local.set $end (i32.add (local.get $a0) (local.get $kp)))
        (loop $group
          (local.set $q (v128.load (local.get $b)))
          (local.set $b0 (i16x8.extend_low_i8x16_s (local.get $q)))
          (local.set $b1 (i16x8.extend_high_i8x16_s (local.get $q)))
          (local.set $x (i16x8.extend_low_i8x16_u (v128.load32_splat (local.get $a0))))
          (local.set $c00 (i32x4.add (local.get $c00) (i32x4.dot_i16x8_s (local.get $x) (local.get $b0))))
          (local.set $c01 (i32x4.add (local.get $c01) (i32x4.dot_i16x8_s (local.get $x) (local.get $b1))))
          (local.set $x (i16x8.extend_low_i8x16_u (v128.load32_splat (local.get $a1))))
          (local.set $c10 (i32x4.add (local.get $c10) (i32x4.dot_i16x8_s (local.get $x) (local.get $b0))))
          (local.set $c11 (i32x4.add (local.get $c11) (i32x4.dot_i16x8_s (local.get $x) (local.get $b1))))
          (local.set $x (i16x8.extend_low_i8x16_u (v128.load32_splat (local.get $a2))))
          (local.set $c20 (i32x4.add (local.get $c20) (i32x4.dot_i16x8_s (local.get $x) (local.get $b0))))
          (local.set $c21 (i32x4.add (local.get $c21) (i32x4.dot_i16x8_s (local.get $x) (local.get $b1))))
          (local.set $x (i16x8.extend_low_i8x16_u (v128.load32_splat (local.get $a3))))
          (local.set $c30 (i32x4.add (local.get $c30) (i32x4.dot_i16x8_s (local.get $x) (local.get $b0))))
          (local.set $c31 (i32x4.add (local.get $c31) (i32x4.dot_i16x8_s (local.get $x) (local.get $b1))))
          (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
          (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
          (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
          (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
          (local.set $b (i32.add (local.get $b) (i32.const 128)))
          (br_if $group (i32.lt_u (local.get $a0) (local.get $end))))))
    (local.get $c00) (local.get $c01) (local.get $c10) (local.get $c11)
    (local.get $c20) (local.get $c21) (local.get $c30) (local.get $c31))

  ;; $dequantize returns one row's 4 columns of C from its pair sums lo
  ;; (columns 0-1) and hi (2-3): row r of rows at as, zp (clamped to m-1),
  ;; columns from colSum, scale, bias at the same offset n (bytes).
  (func $dequantize (param $lo v128) (param $hi v128) (param $r i32) (param $m i32)
    (param $as i32) (param $zp i32) (param $cs i32) (param $ws i32) (param $bias i32) (param $n i32) (result v128)
    (local $s v128) (local $i i32)
    (local.set $i (i32.shl
      (select (local.get $r) (i32.sub (local.get $m) (i32.const 1)) (i32.lt_u (local.get $r) (local.get $m)))
      (i32.const 2)))
    ;; the 4 columns' sums: lanes 0+1, 2+3 of lo, then of hi
    (local.set $s (i32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $lo) (local.get $hi))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $lo) (local.get $hi))))
    (local.set $s (i32x4.sub (local.get $s)
      (i32x4.mul (i32x4.splat (i32.load (i32.add (local.get $zp) (local.get $i))))
        (v128.load (i32.add (local.get $cs) (local.get $n))))))
    (f32x4.add
      (f32x4.mul
        (f32x4.mul (f32x4.convert_i32x4_s (local.get $s)) (v128.load (i32.add (local.get $ws) (local.get $n))))
        (f32x4.splat (f32.load (i32.add (local.get $as) (local.get $i)))))
      (v128.load (i32.add (local.get $bias) (local.get $n)))))

  ;; int8Gemm computes C [m, n] = A·B + bias in int8 (see above),
  ;; overwriting c (leading dimension ldc): native's gemmInt8Panels from
  ;; the panel at b on. u, as, zp: A's quantized rows; cs, ws, bias: the
  ;; columns' values from the first column of b on.
  (func (export "int8Gemm") (param $m i32) (param $kp i32) (param $u i32) (param $as i32) (param $zp i32)
    (param $b i32) (param $cs i32) (param $ws i32) (param $bias i32) (param $n i32) (param $c i32) (param $ldc i32)
    (local $n0 i32) (local $j i32) (local $r i32) (local $i i32) (local $w i32) (local $panel i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128)
    (if (i32.or (i32.eqz (local.get $m)) (i32.eqz (local.get $n))) (then (return)))
    (local.set $panel (local.get $b))
    (loop $panels
      (local.set $r (i32.const 0))
      (loop $rows
        (local.set $a0 (call $row (local.get $u) (local.get $kp) (local.get $r) (local.get $m)))
        (local.set $a1 (call $row (local.get $u) (local.get $kp) (i32.add (local.get $r) (i32.const 1)) (local.get $m)))
        (local.set $a2 (call $row (local.get $u) (local.get $kp) (i32.add (local.get $r) (i32.const 2)) (local.get $m)))
        (local.set $a3 (call $row (local.get $u) (local.get $kp) (i32.add (local.get $r) (i32.const 3)) (local.get $m)))
        (local.set $j (i32.const 0))
        (loop $cols
          (call $dot4x4i8 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)
            (i32.add (local.get $panel) (i32.shl (local.get $j) (i32.const 2))) (local.get $kp))
          (local.set $v7) (local.set $v6) (local.set $v5) (local.set $v4)
          (local.set $v3) (local.set $v2) (local.set $v1) (local.set $v0)
          (local.set $w (i32.sub (local.get $n) (i32.add (local.get $n0) (local.get $j))))
          (local.set $w (select (local.get $w) (i32.const 4) (i32.lt_u (local.get $w) (i32.const 4))))
          (local.set $i (i32.add (local.get $c)
            (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ldc)) (i32.add (local.get $n0) (local.get $j))) (i32.const 2))))
          (call $storeRowInt8 (local.get $i) (local.get $v0) (local.get $v1) (local.get $r) (local.get $m) (local.get $w)
            (local.get $as) (local.get $zp) (local.get $cs) (local.get $ws) (local.get $bias) (i32.shl (i32.add (local.get $n0) (local.get $j)) (i32.const 2)))
          (local.set $i (i32.add (local.get $i) (i32.shl (local.get $ldc) (i32.const 2))))
          (call $storeRowInt8 (local.get $i) (local.get $v2) (local.get $v3) (i32.add (local.get $r) (i32.const 1)) (local.get $m) (local.get $w)
            (local.get $as) (local.get $zp) (local.get $cs) (local.get $ws) (local.get $bias) (i32.shl (i32.add (local.get $n0) (local.get $j)) (i32.const 2)))
          (local.set $i (i32.add (local.get $i) (i32.shl (local.get $ldc) (i32.const 2))))
          (call $storeRowInt8 (local.get $i) (local.get $v4) (local.get $v5) (i32.add (local.get $r) (i32.const 2)) (local.get $m) (local.get $w)
            (local.get $as) (local.get $zp) (local.get $cs) (local.get $ws) (local.get $bias) (i32.shl (i32.add (local.get $n0) (local.get $j)) (i32.const 2)))
          (local.set $i (i32.add (local.get $i) (i32.shl (local.get $ldc) (i32.const 2))))
          (call $storeRowInt8 (local.get $i) (local.get $v6) (local.get $v7) (i32.add (local.get $r) (i32.const 3)) (local.get $m) (local.get $w)
            (local.get $as) (local.get $zp) (local.get $cs) (local.get $ws) (local.get $bias) (i32.shl (i32.add (local.get $n0) (local.get $j)) (i32.const 2)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br_if $cols (i32.and (i32.lt_u (local.get $j) (i32.const 32))
            (i32.lt_u (i32.add (local.get $n0) (local.get $j)) (local.get $n)))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br_if $rows (i32.lt_u (local.get $r) (local.get $m))))
      (local.set $panel (i32.add (local.get $panel) (i32.shl (local.get $kp) (i32.const 5))))
      (local.set $n0 (i32.add (local.get $n0) (i32.const 32)))
      (br_if $panels (i32.lt_u (local.get $n0) (local.get $n)))))

  ;; $storeRowInt8 stores the first w (at most 4) columns of row r's
  ;; dequantized block at p, if r is a row of C (r < m).
  (func $storeRowInt8 (param $p i32) (param $lo v128) (param $hi v128) (param $r i32) (param $m i32) (param $w i32)
    (param $as i32) (param $zp i32) (param $cs i32) (param $ws i32) (param $bias i32) (param $n i32)
    (local $v v128)
    (if (i32.ge_u (local.get $r) (local.get $m)) (then (return)))
    (local.set $v (call $dequantize (local.get $lo) (local.get $hi) (local.get $r) (local.get $m)
      (local.get $as) (local.get $zp) (local.get $cs) (local.get $ws) (local.get $bias) (local.get $n)))
    (call $store (local.get $p) (local.get $v) (local.get $v) (local.get $w)))

  ;; int8MaxPool is maxPool for int8: acc[n] = max(acc[n], C[r, n]) over
  ;; the m rows of C = A·B + bias (see int8Gemm), for the np panels of B
  ;; at b; acc holds np*32 floats, cs, ws and bias np*32 values each.
  (func (export "int8MaxPool") (param $m i32) (param $kp i32) (param $u i32) (param $as i32) (param $zp i32)
    (param $b i32) (param $cs i32) (param $ws i32) (param $bias i32) (param $np i32) (param $acc i32)
    (local $n i32) (local $j i32) (local $r i32) (local $end i32) (local $mx v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128)
    (if (i32.or (i32.eqz (local.get $m)) (i32.eqz (local.get $np))) (then (return)))
    (local.set $end (i32.shl (local.get $np) (i32.const 7)))
    (loop $cols ;; 4 columns, from byte offset n of acc (and cs, ws, bias), from b on
      (local.set $mx (v128.load (i32.add (local.get $acc) (local.get $n))))
      (local.set $r (i32.const 0))
      (loop $rows
        (call $dot4x4i8
          (call $row (local.get $u) (local.get $kp) (local.get $r) (local.get $m))
          (call $row (local.get $u) (local.get $kp) (i32.add (local.get $r) (i32.const 1)) (local.get $m))
          (call $row (local.get $u) (local.get $kp) (i32.add (local.get $r) (i32.const 2)) (local.get $m))
          (call $row (local.get $u) (local.get $kp) (i32.add (local.get $r) (i32.const 3)) (local.get $m))
          (local.get $b) (local.get $kp))
        (local.set $v7) (local.set $v6) (local.set $v5) (local.set $v4)
        (local.set $v3) (local.set $v2) (local.set $v1) (local.set $v0)
        (local.set $mx (f32x4.pmax (local.get $mx) (call $dequantize (local.get $v0) (local.get $v1) (local.get $r) (local.get $m)
          (local.get $as) (local.get $zp) (local.get $cs) (local.get $ws) (local.get $bias) (local.get $n))))
        (local.set $mx (f32x4.pmax (local.get $mx) (call $dequantize (local.get $v2) (local.get $v3) (i32.add (local.get $r) (i32.const 1)) (local.get $m)
          (local.get $as) (local.get $zp) (local.get $cs) (local.get $ws) (local.get $bias) (local.get $n))))
        (local.set $mx (f32x4.pmax (local.get $mx) (call $dequantize (local.get $v4) (local.get $v5) (i32.add (local.get $r) (i32.const 2)) (local.get $m)
          (local.get $as) (local.get $zp) (local.get $cs) (local.get $ws) (local.get $bias) (local.get $n))))
        (local.set $mx (f32x4.pmax (local.get $mx) (call $dequantize (local.get $v6) (local.get $v7) (i32.add (local.get $r) (i32.const 3)) (local.get $m)
          (local.get $as) (local.get $zp) (local.get $cs) (local.get $ws) (local.get $bias) (local.get $n))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br_if $rows (i32.lt_u (local.get $r) (local.get $m))))
      (v128.store (i32.add (local.get $acc) (local.get $n)) (local.get $mx))
      ;; the next 4 columns: within the panel, or the next panel's first
      (local.set $n (i32.add (local.get $n) (i32.const 16)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (if (i32.eq (local.get $j) (i32.const 32))
        (then
          (local.set $j (i32.const 0))
          (local.set $b (i32.add (local.get $b)
            (i32.sub (i32.shl (local.get $kp) (i32.const 5)) (i32.const 128))))))
      (br_if $cols (i32.lt_u (local.get $n) (local.get $end)))))
)
