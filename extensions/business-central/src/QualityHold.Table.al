// A quality hold logistics-sync placed on an order (contracts/business-central/extension-pages.json, qualityHolds).
table 50102 "LSYNC Quality Hold"
{
    Caption = 'logistics-sync Quality Hold';
    DataClassification = CustomerContent;

    fields
    {
        field(1; "Entry No."; Integer) { Caption = 'Entry No.'; AutoIncrement = true; }
        field(2; "Order No."; Code[20]) { Caption = 'Order No.'; TableRelation = "Sales Header"."No." where("Document Type" = const(Order)); ValidateTableRelation = false; }
        field(3; "Shipment No."; Text[50]) { Caption = 'Shipment No.'; }
        field(4; Reason; Text[250]) { Caption = 'Reason'; }
        field(5; Severity; Text[20]) { Caption = 'Severity'; }
        field(6; Status; Option) { Caption = 'Status'; OptionMembers = active,released; OptionCaption = 'Active,Released'; }
        field(7; "Released At"; DateTime) { Caption = 'Released At'; }
        field(8; "Idempotency Key"; Text[100]) { Caption = 'Idempotency Key'; }
    }

    keys
    {
        key(PK; "Entry No.") { Clustered = true; }
        key(Idempotency; "Idempotency Key") { }
        key(Order; "Order No.", Status) { }
    }
}
