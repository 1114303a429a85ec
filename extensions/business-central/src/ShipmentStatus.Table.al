// One row per shipment status change logistics-sync reports (contracts/business-central/extension-pages.json, shipmentStatuses).
table 50100 "LSYNC Shipment Status"
{
    Caption = 'logistics-sync Shipment Status';
    DataClassification = CustomerContent;

    fields
    {
        field(1; "Entry No."; Integer) { Caption = 'Entry No.'; AutoIncrement = true; }
        field(2; "Shipment No."; Text[50]) { Caption = 'Shipment No.'; }
        field(3; "Order No."; Code[20]) { Caption = 'Order No.'; TableRelation = "Sales Header"."No." where("Document Type" = const(Order)); ValidateTableRelation = false; }
        // Text, not an enum: the API carries the contract's words (dispatched, in-transit, …) unencoded.
        field(4; Status; Text[20])
        {
            Caption = 'Status';
            trigger OnValidate()
            begin
                if not (Status in ['dispatched', 'in-transit', 'arrived', 'delivered', 'exception']) then
                    Error('status must be dispatched, in-transit, arrived, delivered or exception, not %1.', Status);
            end;
        }
        field(5; "Occurred At"; DateTime) { Caption = 'Occurred At'; }
        field(6; "Event Id"; Text[100]) { Caption = 'Event Id'; }
        field(7; Reason; Text[250]) { Caption = 'Reason'; }
        field(8; "Idempotency Key"; Text[100]) { Caption = 'Idempotency Key'; }
    }

    keys
    {
        key(PK; "Entry No.") { Clustered = true; }
        key(Idempotency; "Idempotency Key") { }
        key(Shipment; "Shipment No.", "Occurred At") { }
    }
}
