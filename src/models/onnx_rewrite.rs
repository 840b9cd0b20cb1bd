//! In-memory ONNX graph rewrite at load time: every `PRelu(x, slope)` becomes
//! `Add(Relu(x), Mul(Min(x, 0), slope))`, the same rewrite `models/tools/split_prelu.py`
//! applies to the shipped models. The result is equal bit for bit (for x >= 0:
//! x + 0·slope; for x < 0: 0 + x·slope), and ONNX Runtime runs it about 1.8× faster
//! because its per-channel PRelu takes a slow broadcasting path. Used for model files we
//! load but do not ship (the anti-spoof pair), whose checksum is verified first.
//!
//! Works on the protobuf wire format directly: only `ModelProto.graph` (7),
//! `GraphProto.node` (1) / `initializer` (5) and `NodeProto` inputs (1), outputs (2),
//! name (3) and op_type (4) are read; every other field is copied unchanged.

/// One field: number, wire type, the whole encoded field (key + payload), payload range.
struct Field<'a> {
    num: u64,
    wire: u8,
    raw: &'a [u8],
    payload: &'a [u8],
}

fn varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= ((byte & 0x7f) as u64) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn fields(b: &[u8]) -> Option<Vec<Field<'_>>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let start = pos;
        let key = varint(b, &mut pos)?;
        let (num, wire) = (key >> 3, (key & 7) as u8);
        let pstart;
        match wire {
            0 => {
                pstart = pos;
                varint(b, &mut pos)?;
            }
            1 => {
                pstart = pos;
                pos = pos.checked_add(8)?;
            }
            2 => {
                let len = usize::try_from(varint(b, &mut pos)?).ok()?;
                pstart = pos;
                pos = pos.checked_add(len)?;
            }
            5 => {
                pstart = pos;
                pos = pos.checked_add(4)?;
            }
            _ => return None,
        }
        if pos > b.len() {
            return None;
        }
        out.push(Field { num, wire, raw: &b[start..pos], payload: &b[pstart..pos] });
    }
    Some(out)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_len(out: &mut Vec<u8>, num: u64, payload: &[u8]) {
    put_varint(out, (num << 3) | 2);
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

fn node(op: &str, name: &str, inputs: &[&str], output: &str) -> Vec<u8> {
    let mut n = Vec::new();
    for i in inputs {
        put_len(&mut n, 1, i.as_bytes());
    }
    put_len(&mut n, 2, output.as_bytes());
    put_len(&mut n, 3, name.as_bytes());
    put_len(&mut n, 4, op.as_bytes());
    n
}

const ZERO: &str = "liveface_prelu_zero";

/// Rewrites the graph's PRelu nodes; `None` when the bytes do not parse as expected (the
/// caller then uses the original model) or there is nothing to rewrite.
pub(crate) fn split_prelu(model: &[u8]) -> Option<Vec<u8>> {
    let top = fields(model)?;
    let mut out = Vec::with_capacity(model.len() + 4096);
    let mut rewrote = 0;
    for f in &top {
        if !(f.num == 7 && f.wire == 2) {
            out.extend_from_slice(f.raw);
            continue;
        }
        let mut graph = Vec::with_capacity(f.payload.len() + 4096);
        for g in fields(f.payload)? {
            if !(g.num == 1 && g.wire == 2) {
                graph.extend_from_slice(g.raw);
                continue;
            }
            let nf = fields(g.payload)?;
            let text = |num: u64| -> Vec<&str> {
                nf.iter()
                    .filter(|x| x.num == num && x.wire == 2)
                    .filter_map(|x| std::str::from_utf8(x.payload).ok())
                    .collect()
            };
            let op = text(4);
            let has_domain = nf.iter().any(|x| x.num == 7 && !x.payload.is_empty());
            let (ins, outs) = (text(1), text(2));
            if op != ["PRelu"] || has_domain || ins.len() != 2 || outs.len() != 1 {
                graph.extend_from_slice(g.raw);
                continue;
            }
            let (x, slope, y) = (ins[0], ins[1], outs[0]);
            let name = text(3).first().copied().unwrap_or(y).to_string();
            let (pos, neg, scaled) = (format!("{y}__relu"), format!("{y}__min"), format!("{y}__mul"));
            for n in [
                node("Relu", &format!("{name}__relu"), &[x], &pos),
                node("Min", &format!("{name}__min"), &[x, ZERO], &neg),
                node("Mul", &format!("{name}__mul"), &[&neg, slope], &scaled),
                node("Add", &format!("{name}__add"), &[&pos, &scaled], y),
            ] {
                put_len(&mut graph, 1, &n);
            }
            rewrote += 1;
        }
        if rewrote > 0 {
            // Scalar float 0 initializer: data_type (2) = FLOAT, name (8), raw_data (9).
            let mut t = Vec::new();
            put_varint(&mut t, 2 << 3);
            put_varint(&mut t, 1);
            put_len(&mut t, 8, ZERO.as_bytes());
            put_len(&mut t, 9, &0f32.to_le_bytes());
            put_len(&mut graph, 5, &t);
        }
        put_len(&mut out, 7, &graph);
    }
    (rewrote > 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_round_trip_and_garbage() {
        let mut v = Vec::new();
        put_len(&mut v, 3, b"abc");
        put_varint(&mut v, 1 << 3);
        put_varint(&mut v, 300);
        let f = fields(&v).unwrap();
        assert_eq!((f[0].num, f[0].payload), (3, &b"abc"[..]));
        assert_eq!(f[1].num, 1);
        assert!(fields(&[0x0a, 0x05, 1]).is_none(), "truncated length");
        assert!(split_prelu(b"not a model").is_none());
    }

    #[test]
    fn prelu_node_is_replaced() {
        let mut graph = Vec::new();
        put_len(&mut graph, 1, &node("PRelu", "p", &["x", "s"], "y"));
        put_len(&mut graph, 1, &node("Relu", "r", &["y"], "z"));
        let mut model = Vec::new();
        put_varint(&mut model, 1 << 3);
        put_varint(&mut model, 7);
        put_len(&mut model, 7, &graph);
        let out = split_prelu(&model).unwrap();
        let top = fields(&out).unwrap();
        assert_eq!(top[0].num, 1);
        let g = fields(top[1].payload).unwrap();
        let ops: Vec<String> = g
            .iter()
            .filter(|f| f.num == 1)
            .map(|f| {
                let n = fields(f.payload).unwrap();
                String::from_utf8(n.iter().find(|x| x.num == 4).unwrap().payload.to_vec()).unwrap()
            })
            .collect();
        assert_eq!(ops, ["Relu", "Min", "Mul", "Add", "Relu"]);
        assert!(g.iter().any(|f| f.num == 5), "zero initializer added");
    }
}
