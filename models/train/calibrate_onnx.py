"""Platt scaling inserted into an already exported ONNX file, for a pack whose trained weights
(model.pt) were not kept: the graph export_onnx writes is

    logits -> ReduceMax -> Sigmoid -> probability        logits -> Sigmoid -> heatmap

and calibrating means logits -> logits * a + b in front of both, which is exactly the graph
export_onnx writes with a calibration (nets.Exported). Nothing else in the file changes."""
import numpy as np
import onnx
from onnx import helper, numpy_helper


def insert_platt(model, a, b, heatmap='heatmap'):
    """Rewires the graph in place; returns the name of the calibrated logits tensor."""
    g = model.graph
    sig = next(n for n in g.node if n.op_type == 'Sigmoid' and heatmap in n.output)
    logits = sig.input[0]
    consumers = [n for n in g.node if logits in n.input]
    kinds = sorted(n.op_type for n in consumers)
    if kinds != ['ReduceMax', 'Sigmoid']:
        raise SystemExit(f'unexpected graph: the map logits feed {kinds}, not one ReduceMax and the heat map Sigmoid (calibrated already?)')
    names = {n for node in g.node for n in node.output} | {i.name for i in g.initializer}
    if 'platt_a' in names:
        raise SystemExit('the model is calibrated already')
    g.initializer.extend([numpy_helper.from_array(np.array(a, dtype=np.float32), 'platt_a'),
                          numpy_helper.from_array(np.array(b, dtype=np.float32), 'platt_b')])
    mul = helper.make_node('Mul', [logits, 'platt_a'], ['platt_scaled'], name='/platt/Mul')
    add = helper.make_node('Add', ['platt_scaled', 'platt_b'], ['platt_logits'], name='/platt/Add')
    for n in consumers:
        n.input[list(n.input).index(logits)] = 'platt_logits'
    # Topological order: the two new nodes right after the node that makes the logits.
    at = next(i for i, n in enumerate(g.node) if logits in n.output) + 1
    g.node.insert(at, add)
    g.node.insert(at, mul)
    onnx.checker.check_model(model)
    return 'platt_logits'
