#!/usr/bin/python3
"""Reads FlagEmbedding's sparse_linear.pt (torch.save of Linear(H,1).state_dict()) with Python's
own pickle and zipfile, without torch, and prints {name: {"shape": [...], "values": [...]}} as JSON:
the independent reference of checkpoint's TestReadSparseLinear.
usage: sparse_linear_ref.py ../shared/fixtures/tiny-bgem3-16002/sparse_linear.pt > sparse_linear.expected.json"""
import collections, json, pickle, struct, sys, zipfile

z = zipfile.ZipFile(sys.argv[1])
root = [n for n in z.namelist() if n.endswith("/data.pkl")][0].rsplit("/", 1)[0]

class Storage:
    def __init__(self, key, numel):
        raw = z.read(f"{root}/data/{key}")
        self.values = struct.unpack(f"<{numel}f", raw[: 4 * numel])

def rebuild(storage, offset, size, stride, *rest):
    n = 1
    for s in size:
        n *= s
    # Contiguous views only, as Linear's parameters are.
    return {"shape": list(size), "values": list(storage.values[offset : offset + n])}

class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return rebuild
        if (module, name) == ("torch", "FloatStorage"):
            return "float32"
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"{module}.{name}")
    def persistent_load(self, pid):
        _, dtype, key, _, numel = pid
        assert dtype == "float32"
        return Storage(key, numel)

sd = Unpickler(z.open(f"{root}/data.pkl")).load()
print(json.dumps(dict(sd)))
