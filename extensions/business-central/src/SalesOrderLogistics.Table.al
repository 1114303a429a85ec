// What a sales order needs for transport that API v2.0 does not carry (contracts/business-central/extension-pages.json,
// salesOrderLogistics): entered by the planner per order; logistics-sync's read-back reads it when BC notifies the order.
table 50104 "LSYNC Sales Order Logistics"
{
    Caption = 'logistics-sync Sales Order Logistics';
    DataClassification = CustomerContent;

    fields
    {
        field(1; "Order No."; Code[20]) { Caption = 'Order No.'; TableRelation = "Sales Header"."No." where("Document Type" = const(Order)); }
        // Text, not an enum: the API carries the contract's words (ambient, chilled, frozen) unencoded; blank is ambient.
        field(2; "Temperature Regime"; Text[10])
        {
            Caption = 'Temperature Regime';
            trigger OnValidate()
            begin
                if not ("Temperature Regime" in ['', 'ambient', 'chilled', 'frozen']) then
                    Error('Temperature Regime must be ambient, chilled or frozen, not %1.', "Temperature Regime");
            end;
        }
        field(3; "Min. Celsius"; Decimal) { Caption = 'Min. Temperature (°C)'; DecimalPlaces = 0 : 1; }
        field(4; "Max. Celsius"; Decimal) { Caption = 'Max. Temperature (°C)'; DecimalPlaces = 0 : 1; }
        field(5; "Ship-to Location"; Text[50]) { Caption = 'Ship-to Location Id'; }
        // Ids the fleet system accepts: its own id, or an external id written key:value (e.g. erp.vehicle:TRK-17).
        field(6; "Vehicle Id"; Text[100]) { Caption = 'Vehicle Id'; }
        field(7; "Trailer Id"; Text[100]) { Caption = 'Trailer Id'; }
        field(8; "Driver Id"; Text[100]) { Caption = 'Driver Id'; }
        field(9; "Contract No."; Text[50]) { Caption = 'Contract No.'; }
        // The order's own status: API v2.0 reads both Released and Pending Prepayment as Open (Graph Mgt - Sales Order
        // Buffer); logistics-sync holds an order pending its prepayment.
        field(10; "Document Status"; Enum "Sales Document Status")
        {
            Caption = 'Document Status';
            FieldClass = FlowField;
            CalcFormula = lookup("Sales Header".Status where("Document Type" = const(Order), "No." = field("Order No.")));
            Editable = false;
        }
    }

    keys
    {
        key(PK; "Order No.") { Clustered = true; }
    }
}
