"""Policy-as-code for 宿区政办发〔2024〕26号: load → validate → compile → run → explain → report."""
