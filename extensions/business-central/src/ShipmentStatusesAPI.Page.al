// POST /api/logisticsSync/shipping/v1.0/companies({id})/shipmentStatuses
page 50100 "LSYNC Shipment Statuses API"
{
    PageType = API;
    APIPublisher = 'logisticsSync';
    APIGroup = 'shipping';
    APIVersion = 'v1.0';
    EntityName = 'shipmentStatus';
    EntitySetName = 'shipmentStatuses';
    SourceTable = "LSYNC Shipment Status";
    DelayedInsert = true;
    ODataKeyFields = SystemId;
    InsertAllowed = true;
    ModifyAllowed = false;
    DeleteAllowed = false;

    layout
    {
        area(Content)
        {
            repeater(Rows)
            {
                field(id; Rec.SystemId) { Editable = false; }
                field(shipmentNo; Rec."Shipment No.") { }
                field(orderNo; Rec."Order No.") { }
                field(status; Rec.Status) { }
                field(occurredAt; Rec."Occurred At") { }
                field(eventId; Rec."Event Id") { }
                field(reason; Rec.Reason) { }
                field(idempotencyKey; Rec."Idempotency Key") { }
            }
        }
    }

    // A repeated idempotencyKey answers the first row instead of inserting a second (the contract's rule).
    trigger OnInsertRecord(BelowxRec: Boolean): Boolean
    var
        First: Record "LSYNC Shipment Status";
    begin
        if Rec."Idempotency Key" = '' then
            Error('idempotencyKey is required.');
        First.SetRange("Idempotency Key", Rec."Idempotency Key");
        if First.FindFirst() then begin
            Rec := First;
            exit(false);
        end;
        exit(true);
    end;
}
